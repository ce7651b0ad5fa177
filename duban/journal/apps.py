from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "duban.journal"
    label = "journal"
    verbose_name = "操作日志"
