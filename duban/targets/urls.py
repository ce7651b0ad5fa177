from django.urls import path

from . import views

app_name = "targets"
urlpatterns = [
    path("", views.target_list, name="list"),
    path("export.xlsx", views.export, name="export"),
    path("allocations.xlsx", views.allocation_export, name="allocation_export"),
    path("template.xlsx", views.template, name="template"),
    path("import/", views.import_figures, name="import"),
    path("new/<int:item_id>/", views.new, name="new"),
    path("<int:target_id>/", views.target_detail, name="detail"),
    path("<int:target_id>/chart.json", views.chart, name="chart"),
    path("<int:target_id>/file/", views.file_figure, name="file"),
    path("<int:target_id>/stats/", views.file_stats, name="stats"),
    path("<int:target_id>/edit/", views.edit, name="edit"),
    path("<int:target_id>/allocate/", views.allocate, name="allocate"),
]
