"""Demo surveys (DEMO.md): questions for 2019–2021 and generated respondent files, imported through
the same service an admin uses.

Files are generated deterministically (seeded per year and survey) with realistic satisfaction
(about 85–95 % of answers are 4 or 5). The SIPAS file of 2021 has no form for Huyện Tri Tôn (891),
so that unit shows the "not measured" warning, and a few invalid forms that are accepted as such.
Idempotent: questions that exist are kept, and a round and survey that already has a current
import is not imported again.
"""

import csv
import os
import random
import tempfile

from openpyxl import Workbook

from assessments.models import Assessment, Round
from parindex.models import User
from surveys.models import SurveyImport, SurveyKind, SurveyQuestion
from surveys.services.definitions import cs_leaf_codes, survey_questions_copy
from surveys.services.imports import survey_import_file
from surveys.services.parsing import ATTRIBUTE_COLUMNS, FORM_COLUMN, UNIT_COLUMN

YEARS = (2021, 2020, 2019)  # 2021 is defined first; earlier rounds copy its questions
SIPAS_WITHOUT_DATA_2021 = "891"

SIPAS_QUESTIONS = {
    1: [
        "Nơi ngồi chờ tại Bộ phận Một cửa có đủ chỗ ngồi",
        "Trang thiết bị phục vụ người dân, tổ chức đầy đủ",
        "Trang thiết bị phục vụ người dân, tổ chức hiện đại, dễ sử dụng",
        "Dễ dàng tìm hiểu thông tin về dịch vụ hành chính công",
        "Có thể tiếp cận dịch vụ trực tuyến một cách thuận tiện",
    ],
    2: [
        "Thủ tục hành chính được niêm yết công khai đầy đủ",
        "Thủ tục hành chính được niêm yết công khai chính xác",
        "Thành phần hồ sơ phải nộp là đúng quy định",
        "Phí, lệ phí phải nộp là đúng quy định",
        "Thời hạn giải quyết ghi trên giấy hẹn là đúng quy định",
    ],
    3: [
        "Công chức có thái độ giao tiếp lịch sự",
        "Công chức chú ý lắng nghe ý kiến của người dân, tổ chức",
        "Công chức trả lời, giải thích đầy đủ các ý kiến",
        "Công chức hướng dẫn kê khai hồ sơ tận tình, chu đáo",
    ],
    4: [
        "Kết quả giải quyết đúng quy định",
        "Kết quả giải quyết có thông tin đầy đủ",
        "Kết quả giải quyết có thông tin chính xác",
        "Hồ sơ được giải quyết đúng hạn",
    ],
    5: [
        "Cơ quan có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị",
        "Người dân, tổ chức dễ dàng thực hiện góp ý, phản ánh, kiến nghị",
        "Cơ quan tiếp nhận và xử lý tích cực các góp ý, phản ánh, kiến nghị",
        "Cơ quan có thông báo kết quả xử lý góp ý, phản ánh, kiến nghị kịp thời",
    ],
}

# Two questions per civil-servant survey leaf; the second uses a three-option scale with its own fractions.
CS_TEXTS = [
    ("Đánh giá về mức độ thực hiện nhiệm vụ trong lĩnh vực {leaf} của cơ quan", None),
    (
        "Cơ quan có thực hiện đầy đủ, kịp thời các yêu cầu trong lĩnh vực {leaf} không",
        [
            {"value": "1", "label": "Có, đầy đủ", "fraction": "1"},
            {"value": "2", "label": "Có nhưng chưa đầy đủ", "fraction": "0.5"},
            {"value": "3", "label": "Không", "fraction": "0"},
        ],
    ),
]
ATTRIBUTE_VALUES = {
    "gioi_tinh": ["Nam", "Nữ"],
    "nhom_tuoi": ["18-29", "30-39", "40-49", "50-59", "60+"],
    "trinh_do": ["THCS", "THPT", "Trung cấp", "Cao đẳng", "Đại học", "Sau đại học"],
    "nghe_nghiep": ["Nông dân", "Công nhân", "Kinh doanh", "Viên chức", "Học sinh, sinh viên", "Khác"],
    "hinh_thuc": ["Phiếu giấy", "Trực tuyến"],
}


def define_questions(*, round: Round) -> int:
    """The 2021 definition: 22 SIPAS questions over the 5 elements, 2 per civil-servant survey leaf."""
    created = 0
    order = 0
    for element, texts in SIPAS_QUESTIONS.items():
        for i, text in enumerate(texts, start=1):
            order += 1
            _, new = SurveyQuestion.objects.get_or_create(
                round=round,
                survey=SurveyKind.SIPAS,
                code=f"S{element}{i}",
                defaults={"text": text, "element": element, "order": order},
            )
            created += new
    for leaf_code in sorted(cs_leaf_codes(round=round), key=lambda c: [int(p) for p in c.split(".")]):
        for i, (text, options) in enumerate(CS_TEXTS, start=1):
            order += 1
            defaults = {"text": text.format(leaf=leaf_code.split(".")[0]), "leaf_code": leaf_code, "order": order}
            if options:
                defaults["options"] = options
            _, new = SurveyQuestion.objects.get_or_create(
                round=round, survey=SurveyKind.CS, code=f"C{leaf_code.replace('.', '_')}_{i}", defaults=defaults
            )
            created += new
    return created


def _answer(rnd: random.Random, satisfaction: float, options: list[str]) -> str | None:
    if rnd.random() < 0.02:
        return None  # blank answer (allowed: no question is required)
    if options == ["1", "2", "3"]:
        return "1" if rnd.random() < satisfaction else rnd.choice(["2", "2", "3"])
    if rnd.random() < satisfaction:
        return rnd.choice(["4", "5", "5"] if satisfaction > 0.9 else ["4", "4", "5"])
    return rnd.choice(["1", "2", "3", "3"])


def generate_rows(*, round: Round, survey: str, seed: str) -> tuple[list[str], list[list]]:
    rnd = random.Random(seed)
    questions = list(SurveyQuestion.objects.filter(round=round, survey=survey).order_by("order", "code"))
    header = [UNIT_COLUMN, FORM_COLUMN, *ATTRIBUTE_COLUMNS, *(q.code for q in questions)]
    rows: list[list] = []
    units = (
        Assessment.objects.filter(round=round)
        .order_by("group__display_order", "unit__display_order")
        .values_list("unit__code", flat=True)
    )
    for code in units:
        if survey == SurveyKind.SIPAS and round.year == 2021 and code == SIPAS_WITHOUT_DATA_2021:
            continue
        satisfaction = rnd.uniform(0.84, 0.96)
        forms = rnd.randint(35, 60) if survey == SurveyKind.SIPAS else rnd.randint(20, 35)
        for n in range(forms):
            attrs = [rnd.choice(ATTRIBUTE_VALUES[a]) for a in ATTRIBUTE_COLUMNS]
            answers = [_answer(rnd, satisfaction, [str(o["value"]) for o in q.options]) for q in questions]
            rows.append([code, f"{survey.upper()}{round.year}-{code}-{n + 1:03d}", *attrs, *answers])
    if round.year == 2021 and survey == SurveyKind.SIPAS and rows:
        # Two forms the admin accepts as invalid: an answer outside the scale and a repeated form id.
        rows[3][len(header) - 1] = "6"
        rows.append(list(rows[10]))
    return header, rows


def _write_xlsx(path: str, header: list[str], rows: list[list]) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Phieu")
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)


def _write_csv(path: str, header: list[str], rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])


def load_demo_surveys() -> dict:
    """Questions for every demo round, then one SIPAS (.xlsx) and one civil-servant (.csv) import each."""
    rounds = {r.year: r for r in Round.objects.filter(year__in=YEARS)}
    if 2021 not in rounds:
        return {"created": 0, "message": "no demo round 2021: run load_demo_base first"}
    admin = User.objects.filter(username="admin").first()
    created = define_questions(round=rounds[2021])
    for year in YEARS[1:]:
        if year in rounds:
            created += survey_questions_copy(source_round=rounds[2021], target_round=rounds[year])
    imported = []
    with tempfile.TemporaryDirectory() as tmp:
        for year in sorted(rounds):
            round_ = rounds[year]
            for survey, ext in ((SurveyKind.SIPAS, "xlsx"), (SurveyKind.CS, "csv")):
                if SurveyImport.objects.filter(round=round_, survey=survey, is_current=True).exists():
                    continue
                header, rows = generate_rows(round=round_, survey=survey, seed=f"parindex-demo-{year}-{survey}")
                path = os.path.join(tmp, f"khao_sat_{survey}_{year}.{ext}")
                (_write_xlsx if ext == "xlsx" else _write_csv)(path, header, rows)
                imp = survey_import_file(
                    round=round_, survey=survey, path=path, user=admin, accept_invalid=True, allow_reimport=True
                )
                imported.append(
                    f"{survey} {year}: {imp.rows_valid} valid, {imp.rows_invalid} invalid ({imp.get_status_display()})"
                )
                created += 1
    message = "; ".join(imported) if imported else "survey imports already loaded"
    return {"created": created, "message": message}
