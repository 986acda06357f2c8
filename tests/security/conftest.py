import pytest
from django.db import transaction
from django.test import override_settings

from tests.security.world import build_world


@pytest.fixture(scope="session")
def world_media(tmp_path_factory):
    return tmp_path_factory.mktemp("security-media")


@pytest.fixture(autouse=True)
def _world_media_root(settings, world_media):
    # The world's evidence and survey files live here for every test of the package (not per test).
    settings.MEDIA_ROOT = world_media


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, world_media):
    """The world of tests/security/world.py, built once per module inside a transaction rolled back at the end.

    Tests must not commit: they make their requests through ``request_as`` (each one rolled back) or
    inside their own ``transaction.atomic()`` with ``set_rollback(True)``.
    """
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=world_media), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
