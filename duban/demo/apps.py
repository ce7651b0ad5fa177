from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "duban.demo"
    label = "demo"
