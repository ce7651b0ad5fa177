from django.conf import settings
from django.utils.functional import SimpleLazyObject

from duban.items.rules import user_actions
from duban.notify.selectors import unread_count


def duban(request):
    # The menu shows what the rules allow; no template checks a role.
    user = getattr(request, "user", None)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "user_actions": user_actions(user),
        # The header's unread count: one indexed COUNT, only on pages that draw the header.
        "notify_unread": SimpleLazyObject(lambda: unread_count(user)),
        "INBOX_POLL_SECONDS": settings.DUBAN_INBOX_POLL_SECONDS,
    }
