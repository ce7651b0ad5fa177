from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "duban.orgs"
    label = "orgs"
    verbose_name = "组织与人员"
