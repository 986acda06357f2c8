from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.index, name="index"),
    path("rounds/<int:round_id>/", views.queue, name="queue"),
    path("frameworks/<int:old_year>-<int:new_year>/", views.framework_diff, name="framework_diff"),
    path("rounds/<int:round_id>/finalise/", views.finalise_all, name="finalise_all"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/timeline/", views.timeline, name="timeline"),
    path("<int:pk>/submit/", views.submit_review, name="submit_review"),
    path("<int:pk>/domains/<int:node_id>/", views.domain, name="domain"),
    path("<int:pk>/accept-untouched/", views.accept_untouched, name="accept_untouched"),
    path("<int:pk>/sheet/", views.sheet, name="sheet"),
    path("<int:pk>/do/<slug:action>/", views.transition, name="transition"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/confirm/<slug:action>/", views.confirm, name="confirm"),
    path("<int:pk>/extension/", views.extension, name="extension"),
    path("<int:pk>/leaves/<int:node_id>/self/", views.leaf_self_save, name="leaf_self"),
    path("<int:pk>/leaves/<int:node_id>/appraisal/", views.leaf_appraise_save, name="leaf_appraisal"),
    path("<int:pk>/leaves/<int:node_id>/history/", views.leaf_history, name="leaf_history"),
    path("<int:pk>/leaves/<int:node_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/leaves/<int:node_id>/evidence/link/", views.evidence_link, name="evidence_link"),
    path(
        "<int:pk>/leaves/<int:node_id>/evidence/<int:evidence_id>/remove/",
        views.evidence_unlink,
        name="evidence_unlink",
    ),
    path("<int:pk>/evidence/<int:evidence_id>/", views.evidence_view, name="evidence_view"),
    path("<int:pk>/evidence/<int:evidence_id>/download/", views.evidence_download, name="evidence_download"),
]
