from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        # The assessment page shows survey points; assessments may not import surveys, so surveys tells it how.
        from assessments.selectors import register_survey_points_reader
        from surveys.selectors import survey_leaf_points_for_assessment

        register_survey_points_reader(survey_leaf_points_for_assessment)
