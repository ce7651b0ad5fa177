from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "duban.ledgers"
    label = "ledgers"
    verbose_name = "五账、打印与公开进展"
