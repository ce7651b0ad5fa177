from django.conf import settings

from duban.items.rules import user_actions


def duban(request):
    # The menu shows what the rules allow; no template checks a role.
    return {"DEMO_MODE": settings.DEMO_MODE, "user_actions": user_actions(getattr(request, "user", None))}
