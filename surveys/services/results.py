"""Per-unit survey results of an import, from aggregates computed in the database (DESIGN §2)."""

from collections import defaultdict

from django.db import connection
from django.db.models import Count, Q

from assessments.models import Assessment, Framework, Source
from surveys.models import SurveyImport, SurveyKind, SurveyLeafResult, SurveyQuestion, SurveyResponse, SurveyUnitResult
from surveys.scoring import cs_leaf_points, sipas_outcome, to_fraction


def unit_histograms(import_id: int) -> dict[int, dict[str, dict[str, int]]]:
    """counts[unit_id][question code][option value] over valid forms, by one GROUP BY in the database."""
    table = SurveyResponse._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT r.unit_id, e.key, e.value, COUNT(*) FROM {table} r "  # noqa: S608 - names are ours
            "CROSS JOIN LATERAL jsonb_each_text(r.answers) e "
            "WHERE r.survey_import_id = %s AND r.valid AND r.unit_id IS NOT NULL GROUP BY 1, 2, 3"
        )
    else:
        sql = (
            f"SELECT r.unit_id, j.key, j.value, COUNT(*) FROM {table} r, json_each(r.answers) j "  # noqa: S608
            "WHERE r.survey_import_id = %s AND r.valid AND r.unit_id IS NOT NULL GROUP BY 1, 2, 3"
        )
    counts: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    with connection.cursor() as cursor:
        cursor.execute(sql, [import_id])
        for unit_id, code, value, n in cursor.fetchall():
            counts[unit_id][code][str(value)] = n
    return counts


def results_compute(imp: SurveyImport) -> None:
    SurveyUnitResult.objects.filter(survey_import=imp).delete()
    SurveyLeafResult.objects.filter(survey_import=imp).delete()
    questions = list(SurveyQuestion.objects.filter(round_id=imp.round_id, survey=imp.survey))
    counts = unit_histograms(imp.id)
    forms = {
        r["unit_id"]: r
        for r in SurveyResponse.objects.filter(survey_import=imp, unit__isnull=False)
        .values("unit_id")
        .annotate(total=Count("id"), valid=Count("id", filter=Q(valid=True)))
    }
    in_scope = list(Assessment.objects.filter(round_id=imp.round_id).values_list("unit_id", "group_id"))
    source = Source.SIPAS if imp.survey == SurveyKind.SIPAS else Source.CS_SURVEY
    leaves_by_group: dict[int, list] = {}
    for fw in Framework.objects.filter(round_id=imp.round_id):
        leaves_by_group[fw.group_id] = list(fw.nodes.leaves().filter(source=source))
    element_of = {q.code: q.element for q in questions if q.element}
    by_leaf_code: dict[str, list[str]] = defaultdict(list)
    fractions = {}
    for q in questions:
        if q.leaf_code:
            by_leaf_code[q.leaf_code].append(q.code)
        fractions[q.code] = {str(o["value"]): to_fraction(o.get("fraction", "0")) for o in q.options}
    unit_rows, leaf_rows = [], []
    for unit_id, group_id in in_scope:
        unit_counts = counts.get(unit_id, {})
        f = forms.get(unit_id, {"total": 0, "valid": 0})
        unit_result = SurveyUnitResult(
            survey_import=imp,
            unit_id=unit_id,
            respondents=f["total"],
            valid_forms=f["valid"],
            invalid_forms=f["total"] - f["valid"],
        )
        leaves = leaves_by_group.get(group_id, [])
        if imp.survey == SurveyKind.SIPAS:
            outcome = sipas_outcome(counts=unit_counts, element_of=element_of)
            unit_result.element_pct = {str(e): str(p) for e, p in outcome.element_pct.items()}
            unit_result.sipas_pct = outcome.pct
            for leaf in leaves:
                leaf_rows.append(
                    SurveyLeafResult(
                        survey_import=imp,
                        unit_id=unit_id,
                        leaf=leaf,
                        valid_answers=outcome.valid_answers,
                        points=outcome.points(leaf.max_points),
                    )
                )
        else:
            for leaf in leaves:
                points, answered = cs_leaf_points(
                    counts=unit_counts,
                    questions=by_leaf_code.get(leaf.code, []),
                    fractions=fractions,
                    leaf_max=leaf.max_points,
                )
                leaf_rows.append(
                    SurveyLeafResult(
                        survey_import=imp, unit_id=unit_id, leaf=leaf, valid_answers=answered, points=points
                    )
                )
        unit_rows.append(unit_result)
    SurveyUnitResult.objects.bulk_create(unit_rows, batch_size=1000)
    SurveyLeafResult.objects.bulk_create(leaf_rows, batch_size=1000)
