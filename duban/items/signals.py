"""Sent after a change commits; notification channels (in-app, e-mail, webhooks) subscribe here."""

from django.dispatch import Signal

# sender: the event kind ("assigned", "signed", "returned", …); kwargs: track, item
item_event = Signal()
