"""Warnings of a unit's result, shown in the reader's language.

A run stores each warning as a code (with the leaf codes it concerns) and, for readers of the stored
data such as the open-data API, its Vietnamese text. Pages and exports rebuild the text from the code
so that a user who chose English reads English.
"""

from django.utils.translation import gettext as _


def warning_text(warning: dict) -> str:
    code = warning.get("code", "")
    leaves = ", ".join(warning.get("leaves") or [])
    if code == "provisional":
        return _("Appraisal not completed: the result is provisional")
    if code == "not_applicable":
        return _("Not applicable (confirmed): ") + leaves
    if code == "unscored":
        return _("Not scored, counted as 0: ") + leaves
    if code == "survey_not_measured":
        if warning.get("counted_as_zero"):
            return _("Survey not measured, counted as 0: ") + leaves
        return _("Survey not measured, left out of the applicable maximum: ") + leaves
    if code == "no_framework":
        return _("No framework for the unit's ranking group in this round")
    return str(warning.get("message", ""))


def warnings_line(warnings: list[dict] | None) -> str:
    return "; ".join(warning_text(w) for w in warnings or [])
