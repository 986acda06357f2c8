"""Who is who, for notifications and the to-do lists: one small function per question.

Who holds a role is decided by the project's permission predicates (parindex/permissions.py); the
querysets below pick the recipients of an event by the same role flags those predicates read.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from parindex import permissions


def acts_as_officer(user) -> bool:
    return permissions.is_officer(user)


def acts_as_appraiser(user) -> bool:
    return permissions.is_appraiser(user)


def acts_as_admin(user) -> bool:
    return permissions.is_admin(user)


def acts_as_leader(user) -> bool:
    return permissions.is_leader(user)


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
