import re
from decimal import Decimal

from django.utils import translation
from django.utils.formats import number_format


def vn(value: Decimal, places: int = 2) -> str:
    """A number as the Vietnamese pages print it: 1.234,5 (decimal comma)."""
    with translation.override("vi"):
        return number_format(value, decimal_pos=places, use_l10n=True)


def table_row(html: str, unit_code: str) -> str:
    match = re.search(rf'<tr data-unit="{re.escape(unit_code)}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {unit_code}"
    return match.group(1)


def cells(row_html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]
