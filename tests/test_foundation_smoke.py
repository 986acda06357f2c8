import pytest
from django.db import IntegrityError
from django.urls import reverse

from parindex.models import User


def test_login_page_is_vietnamese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "vi"


def test_anonymous_home_redirects_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response.url


@pytest.mark.parametrize(
    ("persona", "section", "absent"),
    [
        ("officer_a", "role-officer", "role-admin"),
        ("appraiser", "role-appraiser", "role-officer"),
        ("leader", "role-leader", "role-appraiser"),
        ("admin_user", "role-admin", "role-leader"),
    ],
)
def test_home_page_shows_each_role_its_own_section(request, client_for, persona, section, absent):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(reverse("home"))
    html = response.content.decode()
    assert f'id="{section}"' in html
    assert f'id="{absent}"' not in html


def test_officer_must_be_bound_to_a_unit(db):
    with pytest.raises(IntegrityError):
        User.objects.create(username="x", is_officer=True, unit=None)


def test_unit_bound_only_to_officers(db, unit_a):
    with pytest.raises(IntegrityError):
        User.objects.create(username="y", is_officer=False, unit=unit_a)
