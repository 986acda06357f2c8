import pytest

from tests.security.world import build_world


@pytest.fixture(autouse=True)
def _cheap_password_hashing(settings):
    # The personas' passwords are hashed with the production hasher otherwise (about 0,4 s each).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(round_2021, framework, officer_a, officer_b, appraiser, leader, admin_user):
    return build_world(officer_a=officer_a, officer_b=officer_b, appraiser=appraiser, leader=leader, admin_user=admin_user)
