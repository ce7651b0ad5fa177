from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "duban.backup"
    label = "backup"
