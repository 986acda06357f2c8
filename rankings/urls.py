from django.urls import path

from rankings import views

app_name = "rankings"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/", views.round_ranking, name="round"),
    path("<int:year>/compute/", views.compute, name="compute"),
    path("<int:year>/units/<int:unit_id>/", views.unit_result, name="unit"),
    path("units/<int:unit_id>/", views.unit_history, name="unit_history"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/publish/", views.publish, name="publish"),
    path("runs/<int:run_id>/publish/check/", views.publish_check, name="publish_check"),
    path("runs/<int:run_id>/cancel/", views.run_cancel, name="run_cancel"),
    path("runs/<int:run_id>/retry/", views.run_retry, name="run_retry"),
]
