"""The fault-injection helpers themselves: each one really produces the fault it promises."""

import pytest
from django.db import DatabaseError, transaction

from assessments.models import Unit
from tests.factories import UnitFactory
from tests.security.faults import pg_refuse_inserts, refuse_inserts, run_concurrently


def test_refused_insert_fails_the_transaction_and_leaves_nothing(department_group):
    with (
        refuse_inserts("assessments_unit", after=1) as seen,
        pytest.raises(DatabaseError, match="refused"),
        transaction.atomic(),
    ):
        UnitFactory(code="A1", group=department_group)
        UnitFactory(code="A2", group=department_group)
    assert seen["seen"] == 2
    assert not Unit.objects.filter(code__in=["A1", "A2"]).exists()


def test_postgres_trigger_refuses_inserts_beyond_the_given_count(require_postgres, department_group):
    UnitFactory(code="B1", group=department_group)
    with (
        pg_refuse_inserts("assessments_unit", after=1),
        pytest.raises(DatabaseError, match="refused"),
        transaction.atomic(),
    ):
        UnitFactory(code="B2", group=department_group)
    assert list(Unit.objects.values_list("code", flat=True)) == ["B1"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_really_overlap_in_the_database(require_postgres, department_group):
    unit = UnitFactory(code="C1", group=department_group, display_order=0)

    def hold_lock_then_add_one():
        with transaction.atomic():
            # Both threads read the row: without the lock, both would write 1 (a lost update).
            row = Unit.objects.select_for_update().get(pk=unit.pk)
            row.display_order += 1
            row.save(update_fields=["display_order"])
        return "done"

    assert run_concurrently(hold_lock_then_add_one, hold_lock_then_add_one) == ["done", "done"]
    unit.refresh_from_db()
    assert unit.display_order == 2
