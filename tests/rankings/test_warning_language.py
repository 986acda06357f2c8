from django.utils import translation

from rankings.warnings import warning_text, warnings_line


def test_stored_warning_is_shown_in_the_readers_language():
    warning = {"code": "not_applicable", "message": "Không áp dụng (đã xác nhận): 1.2", "leaves": ["1.2"]}
    with translation.override("en"):
        assert warning_text(warning) == "Not applicable (confirmed): 1.2"
    with translation.override("vi"):
        text = warning_text(warning)
    assert text.endswith("1.2")
    assert text != "Not applicable (confirmed): 1.2"


def test_not_measured_survey_says_which_round_setting_applied():
    excluded = {"code": "survey_not_measured", "leaves": ["9"]}
    zero = {"code": "survey_not_measured", "leaves": ["9"], "counted_as_zero": True}
    with translation.override("en"):
        assert warning_text(excluded) == "Survey not measured, left out of the applicable maximum: 9"
        assert warning_text(zero) == "Survey not measured, counted as 0: 9"


def test_unknown_code_falls_back_to_the_stored_text():
    assert warning_text({"code": "later", "message": "Ghi chú"}) == "Ghi chú"
    with translation.override("en"):
        assert warnings_line([{"code": "provisional"}, {"code": "later", "message": "x"}]) == (
            "Appraisal not completed: the result is provisional; x"
        )
