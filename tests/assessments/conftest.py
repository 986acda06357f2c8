import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas are created per test; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
