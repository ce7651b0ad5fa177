from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "duban.notify"
    label = "notify"
    verbose_name = "消息提醒"

    def ready(self) -> None:
        from duban.items.signals import item_event, track_changed

        from . import fanout, sweep

        item_event.connect(fanout.on_item_event, dispatch_uid="duban.notify.fanout")
        track_changed.connect(sweep.on_track_changed, dispatch_uid="duban.notify.sweep")
