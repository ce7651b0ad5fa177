from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    name = "duban.bulletins"
    label = "bulletins"
    verbose_name = "通报"

    def ready(self) -> None:
        from duban.items.signals import item_event

        from . import rollup

        item_event.connect(rollup.on_item_event, dispatch_uid="bulletins.rollup")
