"""Fixed personas and a ready round; tests build the rest with tests.factories."""

import os

import pytest
from django.conf import settings

from tests.factories import (
    PASSWORD,
    RankingGroupFactory,
    RoundFactory,
    UnitFactory,
    UserFactory,
    add_to_round,
    build_framework,
)

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(reason: str) -> None:
    """A missing real service fails the test in CI and skips it on a developer's machine."""
    if IN_CI:
        pytest.fail(f"required service missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def require_postgres():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        require_service("DATABASE_URL does not point at PostgreSQL")


@pytest.fixture
def require_redis():
    import redis

    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        require_service("CELERY_BROKER_URL does not point at Redis")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:  # pragma: no cover - depends on the machine
        require_service(f"Redis not reachable: {exc}")


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_report_on_publish(settings):
    # Making the PDF takes seconds and many tests publish a run; the report tests turn it back on.
    settings.REPORT_ON_PUBLISH = False


@pytest.fixture(autouse=True)
def _default_language():
    # A request in English leaves English active in the thread; each test starts from the default.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas are created in almost every test; the production hasher would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def department_group(db):
    return RankingGroupFactory(code="department", name="Sở, ban, ngành", display_order=1)


@pytest.fixture
def district_group(db):
    return RankingGroupFactory(code="district", name="UBND cấp huyện", display_order=2)


@pytest.fixture
def round_2021(db):
    return RoundFactory(year=2021)


@pytest.fixture
def framework(round_2021, department_group):
    return build_framework(round=round_2021, group=department_group)


@pytest.fixture
def unit_a(department_group):
    return UnitFactory(code="SNV", name="Sở Nội vụ", group=department_group, display_order=1)


@pytest.fixture
def unit_b(department_group):
    return UnitFactory(code="STP", name="Sở Tư pháp", group=department_group, display_order=2)


@pytest.fixture
def assessment_a(round_2021, framework, unit_a):
    return add_to_round(round=round_2021, unit=unit_a)


@pytest.fixture
def assessment_b(round_2021, framework, unit_b):
    return add_to_round(round=round_2021, unit=unit_b)


@pytest.fixture
def officer_a(unit_a):
    return UserFactory(username="officer_a", is_officer=True, unit=unit_a)


@pytest.fixture
def officer_b(unit_b):
    return UserFactory(username="officer_b", is_officer=True, unit=unit_b)


@pytest.fixture
def appraiser(db):
    return UserFactory(username="appraiser", is_appraiser=True)


@pytest.fixture
def leader(db):
    return UserFactory(username="leader", is_leader=True)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_par_admin=True, is_staff=True, is_superuser=True)


@pytest.fixture
def client_for(client):
    """Log a persona in: ``client_for(officer_a).get(url)``."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
