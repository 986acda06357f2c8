from django.urls import path

from rankings.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("trends/", views.trends, name="trends"),
    path("my-unit/", views.my_unit, name="my_unit"),
    path("<int:year>/", views.round_dashboard, name="round"),
    path("<int:year>/ranking/", views.ranking, name="ranking"),
    path("<int:year>/units/<int:unit_id>/", views.unit_profile, name="unit"),
    path("<int:year>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<int:year>/export.csv", views.export_csv, name="export_csv"),
    path("<int:year>/report.pdf", views.export_pdf, name="export_pdf"),
    path("<int:year>/appeals/", views.appeals, name="appeals"),
    path("<int:year>/appeals/lodge/", views.appeal_lodge, name="appeal_lodge"),
    path("appeals/<int:appeal_id>/decide/", views.appeal_decide, name="appeal_decide"),
    path("<int:year>/report/", views.report_status, name="report"),
]
