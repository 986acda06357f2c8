import pytest

from tests.rankings.dashboard.factories import make_run, make_sipas, make_world


@pytest.fixture
def world(db):
    """Three rounds, 3 departments and 2 districts, a published run each, SIPAS for 2021."""
    w = make_world(years=(2019, 2020, 2021))
    w["runs"] = {
        r.year: make_run(round=r, seed=r.year, unmeasured=("H002",) if r.year == 2021 else ()) for r in w["rounds"]
    }
    w["round"] = w["rounds"][-1]
    w["run"] = w["runs"][2021]
    w["sipas"] = make_sipas(round=w["round"], units=w["units"], unmeasured=("H002",))
    return w
