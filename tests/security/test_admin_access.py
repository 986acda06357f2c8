"""Django's admin: only staff get in; every other role is sent to the admin's own login page."""

from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.security.world import ROLES

pytestmark = pytest.mark.django_db

NON_STAFF = [r for r in ROLES if r != "admin"]


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return urls


@pytest.mark.parametrize("role", NON_STAFF)
def test_non_staff_roles_are_sent_to_the_admin_login(role, world):
    client = Client()
    user = world.user(role)
    assert user is None or not user.is_staff
    if user is not None:
        client.force_login(user)
    login_path = reverse("admin:login")
    for url in admin_urls():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, f"{role} {url}: {response.status_code}"
            assert urlsplit(response["Location"]).path == login_path, f"{role} {url}: {response['Location']}"


def test_staff_admin_opens_every_admin_list(world):
    client = Client()
    client.force_login(world.user("admin"))
    for url in admin_urls():
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
