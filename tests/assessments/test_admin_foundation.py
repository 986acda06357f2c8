"""Admin screens for frameworks, rounds and users: validation shown, spreadsheets in and out, rules
enforced in the forms with Vietnamese messages; outsiders are kept out."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from assessments.admin import NodeAdmin, RoundForm
from assessments.models import Framework, Node, Round
from assessments.services.frameworks import framework_export
from parindex.admin import UserRolesForm
from tests.factories import RoundFactory, UserFactory


@pytest.fixture
def staff(admin_user, client_for):
    return client_for(admin_user)


@pytest.fixture
def empty_2022(framework):
    return Framework.objects.create(
        round=RoundFactory(year=2022),
        group=framework.group,
        title="Bộ tiêu chí 2022",
        target_total=Decimal("10"),
        target_self=Decimal("7"),
        target_cs_survey=Decimal("1"),
        target_sipas=Decimal("2"),
    )


def test_framework_page_shows_the_validation_report(staff, framework):
    url = reverse("admin:assessments_framework_change", args=[framework.pk])
    html = staff.get(url).content.decode()
    assert "Bộ tiêu chí hợp lệ." in html
    Node.objects.filter(framework=framework, code="2").update(max_points=Decimal("3"))
    html = staff.get(url).content.decode()
    assert "Lĩnh vực 2: tổng điểm các tiêu chí 2,00 khác điểm tối đa 3,00" in html


def test_framework_list_and_node_list_render(staff, framework):
    assert staff.get(reverse("admin:assessments_framework_changelist")).status_code == 200
    assert staff.get(reverse("admin:assessments_node_changelist")).status_code == 200
    assert staff.get(reverse("admin:assessments_round_change", args=[framework.round.pk])).status_code == 200
    assert staff.get(reverse("admin:assessments_unit_changelist")).status_code == 200


def test_framework_export_from_the_admin(staff, framework):
    response = staff.get(reverse("admin:assessments_framework_export", args=[framework.pk]))
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws.max_row == 1 + framework.nodes.count()


@pytest.mark.parametrize("persona", ["officer_a", "appraiser", "leader"])
def test_non_staff_cannot_export_or_import_a_framework(request, client_for, framework, persona):
    client = client_for(request.getfixturevalue(persona))
    response = client.get(reverse("admin:assessments_framework_export", args=[framework.pk]))
    assert response.status_code == 302 and "/login/" in response.url
    response = client.get(reverse("admin:assessments_node_import"))
    assert response.status_code == 302 and "/login/" in response.url


def _xlsx_format_index():
    formats = NodeAdmin(Node, None).get_import_formats()
    return next(i for i, f in enumerate(formats) if f().get_title() == "xlsx")


def _upload(content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = "khung.xlsx"
    return f


def test_admin_import_previews_then_confirms_into_the_chosen_framework(staff, framework, empty_2022):
    url = reverse("admin:assessments_node_import")
    assert f'value="{empty_2022.pk}" selected' in staff.get(url + f"?framework={empty_2022.pk}").content.decode()
    preview = staff.post(
        url,
        {
            "format": _xlsx_format_index(),
            "framework": empty_2022.pk,
            "resource": 0,
            "import_file": _upload(framework_export(framework=framework)),
        },
    )
    assert preview.status_code == 200
    confirm = preview.context["confirm_form"]
    assert not Node.objects.filter(framework=empty_2022).exists()  # the preview stores nothing
    done = staff.post(reverse("admin:assessments_node_process_import"), confirm.initial)
    assert done.status_code == 302
    assert sorted(Node.objects.filter(framework=empty_2022).values_list("code", flat=True)) == sorted(
        framework.nodes.values_list("code", flat=True)
    )


def test_admin_import_of_a_bad_spreadsheet_lists_row_and_column_and_stores_nothing(staff, framework, empty_2022):
    ws_rows = list(
        openpyxl.load_workbook(io.BytesIO(framework_export(framework=framework))).active.iter_rows(values_only=True)
    )
    wb = openpyxl.Workbook()
    for i, row in enumerate(ws_rows):
        row = list(row)
        if i == 2:
            row[4] = "hai"
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    response = staff.post(
        reverse("admin:assessments_node_import"),
        {
            "format": _xlsx_format_index(),
            "framework": empty_2022.pk,
            "resource": 0,
            "import_file": _upload(buf.getvalue()),
        },
    )
    html = response.content.decode()
    assert "Dòng 3, cột “max_points”: “hai” không phải là số." in html
    assert "FrameworkError" not in html  # a message for people, not a traceback
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Node.objects.filter(framework=empty_2022).exists()


def test_round_action_copies_last_years_frameworks(staff, framework):
    new_round = RoundFactory(year=2022)
    staff.post(
        reverse("admin:assessments_round_changelist"),
        {
            "action": "copy_previous_frameworks",
            "_selected_action": [new_round.pk],
        },
    )
    copy = Framework.objects.get(round=new_round, group=framework.group)
    assert copy.nodes.count() == framework.nodes.count()
    assert "2022" in copy.title


def test_round_action_puts_active_units_in_scope(staff, round_2021, unit_a, unit_b):
    staff.post(
        reverse("admin:assessments_round_changelist"),
        {
            "action": "add_active_units",
            "_selected_action": [round_2021.pk],
        },
    )
    assert set(round_2021.assessments.values_list("unit__code", "group__code")) == {
        ("SNV", "department"),
        ("STP", "department"),
    }


def _round_data(**overrides):
    data = {
        "year": 2030,
        "title": "Chỉ số CCHC năm 2030",
        "status": "setup",
        "missing_survey_policy": "exclude",
        "bands": '[{"label": "Tốt", "min": "80"}, {"label": "Khác", "min": "0"}]',
    }
    return data | overrides


@pytest.mark.django_db
def test_round_bands_must_descend_to_zero():
    assert RoundForm(data=_round_data()).is_valid()
    form = RoundForm(data=_round_data(bands='[{"label": "Tốt", "min": "80"}, {"label": "Khá", "min": "90"}]'))
    assert not form.is_valid()
    assert "Mức xếp loại 2: ngưỡng tối thiểu phải thấp hơn ngưỡng của mức trước." in form.errors["bands"]
    form = RoundForm(data=_round_data(bands='[{"label": "Tốt", "min": "80"}]'))
    assert not form.is_valid() and "bands" in form.errors


def _user_form(user, **data):
    base = {
        "username": user.username,
        "date_joined": "2021-01-01 00:00:00",
        "full_name": "",
        "is_active": "on",
        "password": user.password,
    }
    return UserRolesForm(data=base | data, instance=user)


def test_officer_without_unit_is_refused_by_the_user_form(db, unit_a):
    user = UserFactory(username="nguoi_moi")
    form = _user_form(user, is_officer="on")
    assert not form.is_valid()
    assert form.errors["unit"] == ["Cán bộ đơn vị phải gắn với đúng một đơn vị."]
    form = _user_form(user, unit=unit_a.pk)
    assert not form.is_valid() and "unit" in form.errors
    assert _user_form(user, is_officer="on", unit=unit_a.pk).is_valid()


def test_user_admin_saves_an_officer_only_with_a_unit(staff, db, unit_a):
    user = UserFactory(username="nguoi_moi")
    url = reverse("admin:parindex_user_change", args=[user.pk])
    data = {
        "username": "nguoi_moi",
        "date_joined_0": "2021-01-01",
        "date_joined_1": "00:00:00",
        "is_active": "on",
        "is_officer": "on",
        "full_name": "Người mới",
    }
    response = staff.post(url, data)
    assert response.status_code == 200 and "Cán bộ đơn vị phải gắn với đúng một đơn vị." in response.content.decode()
    user.refresh_from_db()
    assert not user.is_officer
    response = staff.post(url, data | {"unit": unit_a.pk})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_officer and user.unit == unit_a


def test_round_admin_shows_vietnamese_labels(staff, round_2021):
    html = staff.get(reverse("admin:assessments_round_change", args=[round_2021.pk])).content.decode()
    assert "Hạn tự đánh giá" in html and "Các mức xếp loại" in html
    assert Round.objects.count() == 1


def test_admin_import_page_is_in_vietnamese(staff, framework):
    html = staff.get(reverse("admin:assessments_node_import")).content.decode()
    assert "Tệp cần nhập" in html and "Bộ tiêu chí" in html


def test_framework_page_lists_the_tree_with_links_to_each_node(staff, framework):
    html = staff.get(reverse("admin:assessments_framework_change", args=[framework.pk])).content.decode()
    for node in framework.nodes.all():
        assert reverse("admin:assessments_node_change", args=[node.pk]) in html
    assert "Cây tiêu chí" in html and "Tiêu chí thành phần" in html


def test_node_form_refuses_a_parent_from_another_framework(staff, framework, district_group):
    from tests.factories import build_framework

    other = build_framework(round=framework.round, group=district_group)
    response = staff.post(
        reverse("admin:assessments_node_add"),
        {
            "framework": framework.pk,
            "parent": other.nodes.get(code="1").pk,
            "level": "criterion",
            "code": "1.9",
            "name": "Mục mới",
            "max_points": "0",
            "order": 99,
            "params": "{}",
        },
    )
    assert response.status_code == 200
    assert "Mục cha phải thuộc cùng bộ tiêu chí." in response.content.decode()
    assert not framework.nodes.filter(code="1.9").exists()


def test_framework_action_copies_into_the_following_years_round(staff, framework):
    changelist = reverse("admin:assessments_framework_changelist")
    response = staff.post(changelist, {"action": "copy_to_next_round", "_selected_action": [framework.pk]}, follow=True)
    assert "Chưa có đợt đánh giá năm 2022." in response.content.decode()
    RoundFactory(year=2022)
    staff.post(changelist, {"action": "copy_to_next_round", "_selected_action": [framework.pk]})
    assert Framework.objects.get(round__year=2022).nodes.count() == framework.nodes.count()
