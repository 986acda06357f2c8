import io

import pytest

from surveys.services.imports import survey_import_create, survey_import_preview
from tests.factories import UnitFactory, add_to_round, build_framework


@pytest.fixture
def district_framework(round_2021, district_group):
    return build_framework(round=round_2021, group=district_group)


@pytest.fixture
def district_unit(district_group):
    return UnitFactory(code="883", name="Thành phố Long Xuyên", group=district_group, display_order=1)


@pytest.fixture
def district_assessment(round_2021, district_framework, district_unit):
    return add_to_round(round=round_2021, unit=district_unit)


@pytest.fixture
def upload(admin_user):
    """Create and preview an import from bytes, synchronously (the task calls the same service)."""

    def _upload(*, round, survey, content: bytes, name="phieu.xlsx", allow_reimport=False):
        imp = survey_import_create(
            round=round,
            survey=survey,
            fileobj=io.BytesIO(content),
            name=name,
            user=admin_user,
            allow_reimport=allow_reimport,
            enqueue=False,
        )
        return survey_import_preview(import_id=imp.id)

    return _upload
