"""One date format everywhere: dd/mm/yyyy HH:mm, in Vietnamese and in English, however a template prints it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

MOMENT = datetime(2021, 3, 5, 14, 7, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_way_of_printing_a_datetime_gives_dd_mm_yyyy_hh_mm(language):
    source = '{{ t }}|{{ t|date }}|{{ t|date:"SHORT_DATETIME_FORMAT" }}|{{ t|date:"DATETIME_FORMAT" }}'
    with translation.override(language):
        printed = Template(source).render(Context({"t": MOMENT})).split("|")
        assert date_format(MOMENT, "DATETIME_FORMAT") == "05/03/2021 14:07"
    assert printed == ["05/03/2021 14:07", "05/03/2021", "05/03/2021 14:07", "05/03/2021 14:07"]


def test_numbers_keep_the_vietnamese_separators():
    with translation.override("vi"):
        assert Template("{{ n }}").render(Context({"n": 1234567.5})) == "1.234.567,5"
