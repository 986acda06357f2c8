"""Text cells of the spreadsheets and CSV files ParIndex writes and reads back.

A spreadsheet program runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@``,
and many also when that character follows leading spaces, a tab, a carriage return or a line feed
(CSV or formula injection). Every export of text that users or imported files supplied (framework
exports, result exports, survey templates) writes it through ``escape_formula``; the framework import
reverses it with ``unescape_formula``.
"""

FORMULA_CHARS = ("=", "+", "-", "@")
# A cell starting with one of these is escaped whatever follows: programs differ in what they skip.
CONTROL_START = ("\t", "\r", "\n")


def _starts_formula(text: str) -> bool:
    return text.startswith(CONTROL_START) or text.lstrip().startswith(FORMULA_CHARS)


def escape_formula(value):
    """Text that would start a formula, made inert by a leading apostrophe; any other value unchanged."""
    if isinstance(value, str) and _starts_formula(value):
        return "'" + value
    return value


def unescape_formula(text: str) -> str:
    """The text ``escape_formula`` was given: its apostrophe removed, other text unchanged."""
    if text.startswith("'") and _starts_formula(text[1:]):
        return text[1:]
    return text
