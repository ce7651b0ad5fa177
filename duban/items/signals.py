"""Sent inside the transaction of a change; duban.notify subscribes (inbox rows are written with
the change, outbound deliveries are queued on commit)."""

from django.dispatch import Signal

# sender: the event kind ("assigned", "signed", "returned", …); kwargs: actor, track, item, obj
# (the row the event made: the urge, report, extension, instruction — or the track itself)
item_event = Signal()

# Sent inside the transaction of every change to a track (state, nodes, assignee …); kwargs: track
track_changed = Signal()
