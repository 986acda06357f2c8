import pytest

from rankings import services
from rankings.models import IndexRun


@pytest.fixture
def compute(admin_user):
    """Create and execute a run of the round at once; returns the refreshed run."""

    def _compute(round):
        run, _ = services.index_run_create(round=round, user=admin_user, enqueue=False)
        services.index_run_execute(run_id=run.pk)
        return IndexRun.objects.get(pk=run.pk)

    return _compute


def results_by_code(run):
    return {r.unit.code: r for r in run.results.select_related("unit")}
