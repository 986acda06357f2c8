"""Who is who, for notifications and the to-do lists: one small function per question.

They read the role flags of ``parindex.User`` today; when the project's permission predicates
(parindex/permissions.py) exist, each function becomes a call to the matching predicate, here only.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet


def acts_as_officer(user) -> bool:
    return bool(user.is_authenticated and user.is_officer and user.unit_id)


def acts_as_appraiser(user) -> bool:
    return bool(user.is_authenticated and user.is_appraiser)


def acts_as_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_admin_role)


def acts_as_leader(user) -> bool:
    return bool(user.is_authenticated and user.is_leader)


def _active():
    return get_user_model().objects.filter(is_active=True)


def officers_of(unit_id: int) -> QuerySet:
    """Who answers for a unit's self-assessment and explanations."""
    return _active().filter(is_officer=True, unit_id=unit_id)


def appraisers() -> QuerySet:
    """Who is told that a unit submitted or explained."""
    return _active().filter(is_appraiser=True)


def admins() -> QuerySet:
    """Who finalises appraised assessments."""
    return _active().filter(Q(is_par_admin=True) | Q(is_superuser=True))


def results_audience(unit_ids) -> QuerySet:
    """Who is told of a publication: leaders, Home Affairs, and the officers of the units in the run."""
    return _active().filter(Q(is_leader=True) | Q(is_appraiser=True) | Q(is_officer=True, unit_id__in=unit_ids))
