from django.urls import path

from . import views

app_name = "ledgers"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:key>/", views.ledger, name="ledger"),
    path("<slug:key>/export.xlsx", views.export, name="export"),
    path("print/item/<int:item_id>/notice/", views.print_notice, name="print_notice"),
    path("print/item/<int:item_id>/record/", views.print_record, name="print_record"),
    path("print/urge/<int:urge_id>/", views.print_urge, name="print_urge"),
    path("publish/<int:item_id>/", views.publish, name="publish"),
]
