"""Who may do what in ParIndex: every access rule, defined once, named for what it allows.

Views, selectors, services, templates (``{% load rules %}{% test_rule "can_…" user obj as ok %}``) and
the API (``parindex.api_permissions.HasRule``) all ask these predicates; nothing else reads the role
flags of ``User`` to decide access. Each predicate is a django-rules predicate: call it as a function,
``can_edit_self_scores(user, assessment)``, or by name through ``rules.test_rule("can_edit_self_scores",
user, assessment)``. The objects are read by attribute only (``assessment.unit_id``, ``unit.pk``), so this
module imports no app and every app may import it.

Roles (DESIGN §3): **officer** (bound to one unit), **appraiser** (Home Affairs), **leader**, **admin**
(``is_par_admin`` or a superuser). One person may hold several.

403 or 404 — the policy every view follows
------------------------------------------
1. **Outside the user's scope → 404.** An object the user may not even see (another unit's assessment,
   evidence, score or result, for an officer; an id that does not belong under the URL's parent) is
   answered exactly as an id that does not exist, so its existence is not revealed. Selectors apply the
   scope (``assessment_get_for_user`` and friends raise ``Http404``).
2. **An action the user's role never has → 403.** Once the object is in scope (or the page has no
   object), a role that can never do the action (a leader saving self scores, an officer opening the
   appraisal queue, anyone but an admin publishing a run) gets ``PermissionDenied``: there is nothing to
   hide, the page simply is not theirs.
3. **The right role at the wrong moment is not an access question.** A state or deadline that forbids
   the action now (submitting a submitted assessment) is a ``ValidationError`` shown as a message; the
   workflow table (``assessments/workflow.py``) says which states allow which action.

Scope is checked before role, so an officer of unit B asking for an action on unit A's assessment gets
404 whatever the action.
"""

import rules

# The assessment state in which an officer may read the appraisal of their unit (AssessmentState.FINALISED).
FINALISED = "finalised"


def _flag(user, name: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, name, False))


# --- roles -------------------------------------------------------------------------------------------
# Every predicate takes (user, obj=None), so each rule below can be called directly with or without an object.


@rules.predicate
def is_officer(user, obj=None) -> bool:
    return _flag(user, "is_officer") and getattr(user, "unit_id", None) is not None


@rules.predicate
def is_appraiser(user, obj=None) -> bool:
    return _flag(user, "is_appraiser")


@rules.predicate
def is_leader(user, obj=None) -> bool:
    return _flag(user, "is_leader")


@rules.predicate
def is_admin(user, obj=None) -> bool:
    return _flag(user, "is_par_admin") or _flag(user, "is_superuser")


def _unit_id_of(obj) -> int | None:
    """The unit an object belongs to: a Unit itself, or anything with a ``unit_id`` (assessment, result)."""
    if getattr(getattr(obj, "_meta", None), "model_name", "") == "unit":
        return obj.pk
    return getattr(obj, "unit_id", None)


@rules.predicate
def is_officer_of_unit(user, obj=None) -> bool:
    """The user is an officer of the unit ``obj`` is (a Unit) or belongs to (an Assessment, a result)."""
    return is_officer(user) and _unit_id_of(obj) is not None and user.unit_id == _unit_id_of(obj)


@rules.predicate
def is_finalised(user, assessment=None) -> bool:
    return assessment is not None and assessment.state == FINALISED


# --- assessments -------------------------------------------------------------------------------------

# Home Affairs and leaders read every unit's assessment; an officer only their own unit's.
can_read_all_assessments = is_appraiser | is_admin | is_leader
can_view_assessment = can_read_all_assessments | is_officer_of_unit
# The unit's inputs and files (which states allow it is the workflow table's business).
can_edit_self_scores = is_officer_of_unit
can_appraise = is_appraiser
# The appraised points: Home Affairs and leaders always; the unit once the assessment is final.
can_see_appraisal = can_read_all_assessments | (is_officer_of_unit & is_finalised)
can_see_leaf_history = is_appraiser | is_admin
can_finalise_assessment = is_admin
can_reopen_assessment = is_admin
can_grant_extension = is_admin
# Evidence is read by whoever may read the assessment it is attached to (the object is the assessment).
can_download_evidence = can_view_assessment

# --- results, dashboards, runs -----------------------------------------------------------------------

# Runs not (yet) published: the ONE rule for every page, export and API that could show them.
can_see_provisional = is_admin | is_appraiser
can_read_dashboards = is_leader | is_appraiser | is_admin
# The published ranking table: result readers and every officer.
can_read_ranking = can_read_dashboards | is_officer
# One unit's result, profile and history (the object is the unit, or anything with a unit_id).
can_read_unit_results = can_read_dashboards | is_officer_of_unit
can_compute_index = is_admin | is_appraiser
# How one year's criteria became the next year's (the crosswalk diff): everyone who reads the ranking.
can_compare_frameworks = can_read_ranking
can_publish_run = is_admin
can_delete_run = is_admin
# Cancel a waiting or running computation, retry a failed or stuck one.
can_manage_run = is_admin
# Appeals after publication: the unit's officer lodges; Home Affairs (appraisers) or an admin decide;
# the register of a round is published with its results.
can_lodge_appeal = is_officer_of_unit
can_decide_appeal = is_appraiser | is_admin
can_read_appeal_register = can_read_ranking

# --- surveys -----------------------------------------------------------------------------------------

can_manage_surveys = is_admin
can_read_survey_results = can_read_ranking

# --- open data ---------------------------------------------------------------------------------------


# The API serves published runs only, to anyone (DESIGN §5: results are published for citizens too).
@rules.predicate
def can_read_open_data(user, obj=None) -> bool:
    return True


# --- site --------------------------------------------------------------------------------------------

can_open_admin_site = is_admin


# Every rule by name, for templates (test_rule) and has_perm. The role predicates are registered too, for
# pages that show what a role does (the home page's cards); access itself is always asked through can_*.
RULES = {
    name: value
    for name, value in dict(globals()).items()
    if name.startswith(("can_", "is_")) and isinstance(value, rules.Predicate)
}

for _name, _predicate in RULES.items():
    rules.set_rule(_name, _predicate)
    # The same rules as object permissions (``user.has_perm("parindex.can_…", obj)``), through the rules backend.
    rules.set_perm(f"parindex.{_name}", _predicate)
