from assessments.models import Assessment
from rankings.demo import load_demo_results
from rankings.models import IndexRun
from rankings.selectors import run_latest_published
from tests.factories import RoundFactory, build_framework
from tests.rankings.factories import scores


def test_demo_results_are_published_once_and_a_second_load_changes_nothing(department_group, unit_a, admin_user):
    for year in (2019, 2020):
        rnd = RoundFactory(year=year, status="closed")
        build_framework(round=rnd, group=department_group)
        a = Assessment.objects.create(round=rnd, unit=unit_a, group=department_group, state="finalised")
        scores(a, {"1.1.1": "2", "1.1.2": "2", "1.2": "2", "2.1": "1"})
    first = load_demo_results()
    assert first["created"] == 2
    assert all(run_latest_published(round=r) is not None for r in (rnd, RoundFactory(year=2019)))
    runs = IndexRun.objects.count()
    second = load_demo_results()
    assert second["created"] == 0 and IndexRun.objects.count() == runs
