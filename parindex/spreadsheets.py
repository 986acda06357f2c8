"""Text cells of the spreadsheets and CSV files ParIndex writes and reads back.

A spreadsheet program runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@``,
and some also after a leading tab or carriage return (CSV or formula injection). Every export of text
that users or imported files supplied (framework exports, result exports, survey templates) writes it
through ``escape_formula``; the framework import reverses it with ``unescape_formula``.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Text that would start a formula, made inert by a leading apostrophe; any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unescape_formula(text: str) -> str:
    """The text ``escape_formula`` was given: its apostrophe removed, other text unchanged."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text
