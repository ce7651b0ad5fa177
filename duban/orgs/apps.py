from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "duban.orgs"
    label = "orgs"
    verbose_name = "组织与人员"

    def ready(self):
        from . import signals  # noqa: F401 — connects the login journal
