from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "duban.dashboard"
    label = "dashboard"
    verbose_name = "领导驾驶舱"

    def ready(self) -> None:
        from duban.items.signals import item_event

        from . import rollup

        item_event.connect(rollup.on_item_event, dispatch_uid="dashboard.rollup")
