import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import translation

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


def test_login_and_home_render_vietnamese_by_default_and_english_when_switched(client, officer_a, password):
    html = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in html and "Tên đăng nhập" in html
    client.post(reverse("login"), {"username": "officer_a", "password": password})
    html = client.get(reverse("home")).content.decode()
    assert "Xin chào" in html and "Cán bộ đơn vị" in html and "Đăng xuất" in html

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert "Welcome" in html and "Unit officer" in html and "Log out" in html
    client.post(reverse("logout"))
    html = client.get(reverse("login")).content.decode()
    assert "Log in" in html and "Đăng nhập" not in html


def test_user_with_several_roles_sees_a_card_for_each(client_for, unit_a):
    from tests.factories import UserFactory

    user = UserFactory(username="da_nang", is_officer=True, unit=unit_a, is_appraiser=True, is_leader=True)
    html = client_for(user).get(reverse("home")).content.decode()
    for section in ("role-officer", "role-appraiser", "role-leader"):
        assert f'id="{section}"' in html
    assert 'id="role-admin"' not in html


def test_browser_asking_for_english_still_gets_vietnamese(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "vi"
    assert "Đăng nhập" in response.content.decode()


def test_user_choosing_english_gets_english(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"}, HTTP_ACCEPT_LANGUAGE="vi")
    response = client.get(reverse("login"))
    assert response.headers["Content-Language"] == "en"
    assert "Log in" in response.content.decode()


@pytest.mark.parametrize(
    ("msgid", "vietnamese"),
    [
        # The parindex app's own strings (models, admin, standalone error pages) live in the project
        # catalogue locale/ next to the project templates' strings.
        ("Users and roles", "Người dùng và vai trò"),
        ("appraiser", "thẩm định viên"),
        ("The operation could not be completed", "Không thể hoàn tất thao tác"),
        ("Back to the login page", "Quay lại trang đăng nhập"),
        ("File too large", "Tệp quá lớn"),
        ("Log in to ParIndex", "Đăng nhập ParIndex"),
    ],
)
def test_project_catalogue_translates_project_and_parindex_strings(msgid, vietnamese):
    with translation.override("vi"):
        assert translation.gettext(msgid) == vietnamese


def test_leader_finds_the_dashboard_once_in_the_menu_and_once_on_the_home_page(client_for, leader):
    html = client_for(leader).get(reverse("home")).content.decode()
    nav, _, body = html.partition("</nav>")
    dashboard = reverse("dashboard:index")
    assert nav.count(f'href="{dashboard}"') == 1
    assert body.count(f'href="{dashboard}"') == 1
