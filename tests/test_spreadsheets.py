import pytest

from parindex.spreadsheets import escape_formula, unescape_formula


@pytest.mark.parametrize("text", ["=1+1", "+84 Ban", "-Xuất sắc", "@SUM(A1)", "\t=cmd", "\r=cmd"])
def test_text_starting_a_formula_gets_an_apostrophe_and_reads_back_unchanged(text):
    escaped = escape_formula(text)
    assert escaped == "'" + text
    assert unescape_formula(escaped) == text


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+84 Ban", "-Xuất sắc", "@SUM(A1)", "\t=cmd", "\r=cmd", " =1", "\n=cmd", "  \n -2+3", "\u00a0@x", "\t"],
)
def test_formula_after_leading_whitespace_or_line_feed_is_neutralised_and_reads_back(text):
    escaped = escape_formula(text)
    assert escaped == "'" + text
    assert unescape_formula(escaped) == text


@pytest.mark.parametrize(
    "text", ["", "Sở Lao động - Thương binh", "1+1=2", " 1=1", "  plain", "'quoted", "'plain text"]
)
def test_other_text_is_written_and_read_unchanged(text):
    assert escape_formula(text) == text
    assert unescape_formula(text) == text


@pytest.mark.parametrize("value", [None, 3, -2, True])
def test_values_that_are_not_text_pass_through(value):
    assert escape_formula(value) is value
