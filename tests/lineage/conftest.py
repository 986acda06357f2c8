from tests.rankings.conftest import compute  # noqa: F401 - the same fixture: create and execute a run at once
