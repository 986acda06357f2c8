from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/", views.round_overview, name="round"),
    path("<int:year>/results/", views.results, name="results"),
    path("<int:year>/results/<str:code>/", views.unit_results, name="unit_results"),
    path("<int:year>/questions/", views.questions, name="questions"),
    path("<int:year>/questions/copy/", views.questions_copy, name="questions_copy"),
    path("<int:year>/<str:survey>/template.xlsx", views.template_download, name="template"),
    path("<int:year>/<str:survey>/upload/", views.upload, name="upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("imports/<int:pk>/sheet/", views.import_sheet, name="import_sheet"),
    path("imports/<int:pk>/restore/", views.import_restore, name="import_restore"),
]
