"""Demo base (docs: /README.md "Demo"): ranking groups, the 28 units of An Giang 2021, rounds 2019–2021
with their frameworks, and one account per role.

The department framework keeps the counts and points of Decision 2366/QĐ-UBND (An Giang, 2021):
9 domains, 32 criteria, 69 sub-criteria; 13; 8,5; 12; 8; 10,5; 6; 14; 4; 24 points per domain;
60 self-assessed, 16 civil-servant survey, 24 SIPAS. The names of criteria and sub-criteria are
indicative (the decision's appendix is not at hand): the framework titles say "(minh họa)".

Every function is idempotent: it creates what is missing and changes nothing that exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from assessments.models import Framework, Node, RankingGroup, Round, RoundStatus, Unit
from assessments.services.frameworks import framework_copy
from assessments.services.rounds import round_add_units

DEMO_PASSWORD = "ParIndex@2021"
CURRENT_YEAR = 2021
PAST_YEARS = (2019, 2020)

GROUPS = [("department", "Sở, ban, ngành", 1), ("district", "UBND cấp huyện", 2)]
UNITS = {
    "department": [
        ("SNV", "Sở Nội vụ"),
        ("STP", "Sở Tư pháp"),
        ("STC", "Sở Tài chính"),
        ("SKHDT", "Sở Kế hoạch và Đầu tư"),
        ("SGTVT", "Sở Giao thông Vận tải"),
        ("STTTT", "Sở Thông tin và Truyền thông"),
        ("SCT", "Sở Công Thương"),
        ("SXD", "Sở Xây dựng"),
        ("SYT", "Sở Y tế"),
        ("SGDDT", "Sở Giáo dục và Đào tạo"),
        ("SNGV", "Sở Ngoại vụ"),
        ("STNMT", "Sở Tài nguyên và Môi trường"),
        ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
        ("SKHCN", "Sở Khoa học và Công nghệ"),
        ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội"),
        ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
        ("BQLKKT", "Ban Quản lý Khu kinh tế"),
    ],
    "district": [
        ("883", "Thành phố Long Xuyên"),
        ("884", "Thành phố Châu Đốc"),
        ("886", "Huyện An Phú"),
        ("887", "Thị xã Tân Châu"),
        ("888", "Huyện Phú Tân"),
        ("889", "Huyện Châu Phú"),
        ("890", "Huyện Tịnh Biên"),
        ("891", "Huyện Tri Tôn"),
        ("892", "Huyện Châu Thành"),
        ("893", "Huyện Chợ Mới"),
        ("894", "Huyện Thoại Sơn"),
    ],
}
USERS = [
    # username, full name, flags, unit code
    ("admin", "Quản trị hệ thống", {"is_par_admin": True, "is_staff": True, "is_superuser": True}, None),
    ("thamdinh", "Tổ thẩm định Sở Nội vụ", {"is_appraiser": True}, None),
    ("lanhdao", "Lãnh đạo UBND tỉnh", {"is_leader": True}, None),
    ("canbo_stp", "Cán bộ Sở Tư pháp", {"is_officer": True}, "STP"),
    ("canbo_lx", "Cán bộ UBND TP Long Xuyên", {"is_officer": True}, "883"),
]

# --- framework contents -------------------------------------------------------------------
# Leaf specifications: ("levels", [points...]), ("ratio", bands?), ("deduction", per_item),
# ("manual", step), ("cs",) for the civil-servant survey, ("sipas",). Options after the spec:
# "na" (not applicable allowed), "noev" (no evidence required).

LEVEL_LABELS = {
    2: ["Không thực hiện", "Thực hiện đầy đủ, đúng quy định"],
    3: ["Không thực hiện", "Thực hiện nhưng chưa đầy đủ hoặc chậm", "Thực hiện đầy đủ, đúng hạn"],
}


def _lv(*points: str) -> tuple:
    return ("levels", list(points))


RB = ("ratio", True)  # ratio with bands
RP = ("ratio", False)  # plain ratio: round(n/d × max)
CS = ("cs",)


def _ded(per_item: str) -> tuple:
    return ("deduction", per_item)


def _man(step: str = "0.25") -> tuple:
    return ("manual", step)


# (domain name, points, [criterion]) ; criterion = (name, points, spec-or-None, [sub]) ;
# sub = (name, points, spec, *options)
DEPARTMENT: list[tuple] = [
    (
        "Công tác chỉ đạo, điều hành cải cách hành chính",
        "13",
        [
            (
                "Kế hoạch cải cách hành chính năm",
                "3",
                None,
                [
                    ("Ban hành kế hoạch CCHC năm đúng thời hạn", "1", _lv("0", "0.5", "1")),
                    ("Mức độ hoàn thành kế hoạch CCHC", "2", RB),
                ],
            ),
            (
                "Báo cáo cải cách hành chính",
                "2",
                None,
                [
                    ("Số báo cáo định kỳ nộp trễ hạn", "1", _ded("0.25")),
                    ("Chất lượng báo cáo CCHC", "1", _lv("0", "0.5", "1")),
                ],
            ),
            (
                "Kiểm tra công tác cải cách hành chính",
                "2",
                None,
                [
                    ("Ban hành kế hoạch kiểm tra CCHC", "0.5", _lv("0", "0.5")),
                    ("Tỷ lệ đơn vị trực thuộc được kiểm tra", "1.5", RP),
                ],
            ),
            (
                "Tuyên truyền cải cách hành chính",
                "3",
                None,
                [
                    ("Thực hiện kế hoạch tuyên truyền CCHC", "1", _man()),
                    ("Đánh giá của CBCCVC về công tác tuyên truyền CCHC", "2", CS),
                ],
            ),
            ("Sáng kiến, giải pháp mới trong cải cách hành chính", "3", _man("0.5"), []),
        ],
    ),
    (
        "Xây dựng và tổ chức thực hiện văn bản quy phạm pháp luật",
        "8.5",
        [
            (
                "Tham mưu xây dựng văn bản quy phạm pháp luật",
                "3",
                None,
                [
                    ("Tỷ lệ văn bản tham mưu đúng kế hoạch", "1", RB),
                    ("Lấy ý kiến, thẩm định dự thảo văn bản", "1", _lv("0", "0.5", "1")),
                    ("Số văn bản bị đề nghị sửa đổi do trái quy định", "1", _ded("0.5")),
                ],
            ),
            (
                "Rà soát, hệ thống hóa văn bản quy phạm pháp luật",
                "2.5",
                None,
                [
                    ("Ban hành kế hoạch rà soát văn bản", "0.5", _lv("0", "0.5")),
                    ("Tỷ lệ văn bản được xử lý sau rà soát", "1", RP, "na"),
                    ("Công bố kết quả rà soát, hệ thống hóa", "1", _lv("0", "1")),
                ],
            ),
            (
                "Theo dõi thi hành pháp luật",
                "3",
                None,
                [
                    ("Thực hiện kế hoạch theo dõi thi hành pháp luật", "1", _man()),
                    ("Đánh giá của CBCCVC về chất lượng văn bản quy phạm pháp luật", "2", CS),
                ],
            ),
        ],
    ),
    (
        "Cải cách thủ tục hành chính",
        "12",
        [
            (
                "Công bố, công khai thủ tục hành chính",
                "3",
                None,
                [
                    ("Tham mưu công bố TTHC kịp thời", "1", _lv("0", "0.5", "1")),
                    ("Tỷ lệ TTHC công khai trên Cổng dịch vụ công", "1", RB),
                    ("Niêm yết TTHC tại Bộ phận một cửa", "1", _lv("0", "1"), "noev"),
                ],
            ),
            (
                "Rà soát, đơn giản hóa thủ tục hành chính",
                "2.5",
                None,
                [
                    ("Ban hành kế hoạch rà soát TTHC", "0.5", _lv("0", "0.5")),
                    ("Tỷ lệ phương án đơn giản hóa được thông qua", "1", RB),
                    ("Kết quả cắt giảm thời gian giải quyết TTHC", "1", _man()),
                ],
            ),
            (
                "Thực hiện cơ chế một cửa, một cửa liên thông",
                "4.5",
                None,
                [
                    ("Tỷ lệ hồ sơ giải quyết đúng hạn", "1.5", RB),
                    ("Số hồ sơ trễ hạn không có văn bản xin lỗi", "1", _ded("0.25"), "na"),
                    ("Đánh giá của CBCCVC về cơ chế một cửa", "2", CS),
                ],
            ),
            (
                "Tiếp nhận, xử lý phản ánh, kiến nghị về TTHC",
                "2",
                None,
                [
                    ("Tỷ lệ phản ánh, kiến nghị được xử lý đúng hạn", "1", RP, "na"),
                    ("Công khai kết quả xử lý phản ánh, kiến nghị", "1", _lv("0", "1")),
                ],
            ),
        ],
    ),
    (
        "Cải cách tổ chức bộ máy hành chính",
        "8",
        [
            (
                "Chức năng, nhiệm vụ và cơ cấu tổ chức",
                "2.5",
                None,
                [
                    ("Quy định chức năng, nhiệm vụ của các phòng, đơn vị", "1", _lv("0", "0.5", "1")),
                    ("Sắp xếp tổ chức bộ máy theo quy định", "0.5", _lv("0", "0.5")),
                    ("Số vi phạm quy định về cơ cấu lãnh đạo", "1", _ded("0.5")),
                ],
            ),
            (
                "Quản lý biên chế",
                "2.5",
                None,
                [
                    ("Sử dụng biên chế được giao", "0.5", _lv("0", "0.5")),
                    ("Tỷ lệ tinh giản biên chế so với kế hoạch", "1", RB),
                    ("Cơ cấu viên chức theo chức danh nghề nghiệp", "1", _man()),
                ],
            ),
            (
                "Phân cấp, ủy quyền",
                "3",
                None,
                [
                    ("Thực hiện phân cấp, ủy quyền theo quy định", "0.5", _lv("0", "0.5")),
                    ("Tỷ lệ nhiệm vụ phân cấp được kiểm tra", "0.5", RP, "na"),
                    ("Đánh giá của CBCCVC về tổ chức bộ máy", "2", CS),
                ],
            ),
        ],
    ),
    (
        "Nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức",
        "10.5",
        [
            (
                "Vị trí việc làm",
                "2",
                None,
                [
                    ("Phê duyệt vị trí việc làm", "1", _lv("0", "0.5", "1")),
                    ("Tỷ lệ CBCCVC bố trí đúng vị trí việc làm", "1", RB),
                ],
            ),
            (
                "Tuyển dụng, bổ nhiệm",
                "2.5",
                None,
                [
                    ("Số trường hợp tuyển dụng sai quy định", "1", _ded("0.5"), "na"),
                    ("Số trường hợp bổ nhiệm sai quy định", "1", _ded("0.5")),
                    ("Công khai kết quả tuyển dụng, bổ nhiệm", "0.5", _lv("0", "0.5")),
                ],
            ),
            (
                "Đánh giá, xếp loại cán bộ, công chức, viên chức",
                "3.5",
                None,
                [
                    ("Đánh giá, xếp loại đúng thời hạn", "1", _lv("0", "0.5", "1")),
                    ("Đánh giá của CBCCVC về công tác đánh giá, xếp loại", "2", CS),
                    ("Công khai kết quả đánh giá, xếp loại", "0.5", _lv("0", "0.5")),
                ],
            ),
            (
                "Đào tạo, bồi dưỡng; kỷ luật, kỷ cương hành chính",
                "2.5",
                None,
                [
                    ("Tỷ lệ CBCCVC được đào tạo, bồi dưỡng", "1", RB),
                    ("Số CBCCVC bị kỷ luật", "1", _ded("0.25")),
                    ("Chính sách thu hút người có tài năng", "0.5", _man(), "na"),
                ],
            ),
        ],
    ),
    (
        "Cải cách tài chính công",
        "6",
        [
            (
                "Thực hiện dự toán ngân sách",
                "1.5",
                None,
                [
                    ("Tỷ lệ giải ngân vốn đầu tư công", "1", RB),
                    ("Thực hiện kết luận thanh tra, kiểm toán", "0.5", _lv("0", "0.5"), "na"),
                ],
            ),
            (
                "Cơ chế tự chủ tài chính",
                "1.5",
                None,
                [
                    ("Ban hành quy chế chi tiêu nội bộ", "1", _lv("0", "1")),
                    ("Tỷ lệ đơn vị sự nghiệp tự chủ tài chính", "0.5", RP, "na"),
                ],
            ),
            (
                "Quản lý, sử dụng tài sản công",
                "3",
                None,
                [
                    ("Số vi phạm về quản lý, sử dụng tài sản công", "1", _ded("0.25")),
                    ("Đánh giá của CBCCVC về quản lý tài chính công", "2", CS),
                ],
            ),
        ],
    ),
    (
        "Hiện đại hóa hành chính",
        "14",
        [
            (
                "Ứng dụng công nghệ thông tin",
                "3",
                None,
                [
                    ("Ban hành kế hoạch ứng dụng CNTT", "0.5", _lv("0", "0.5")),
                    ("Sử dụng hệ thống quản lý văn bản và điều hành", "1", _lv("0", "0.5", "1")),
                    ("Tỷ lệ hồ sơ công việc xử lý trên môi trường mạng", "1.5", RB),
                ],
            ),
            (
                "Văn bản điện tử, chữ ký số",
                "2.5",
                None,
                [
                    ("Tỷ lệ văn bản trao đổi dưới dạng điện tử", "1", RB),
                    ("Tỷ lệ văn bản điện tử có chữ ký số", "1", RB),
                    ("Kết nối, liên thông hệ thống quản lý văn bản", "0.5", _lv("0", "0.5")),
                ],
            ),
            (
                "Dịch vụ công trực tuyến",
                "4",
                None,
                [
                    ("Tỷ lệ TTHC cung cấp trực tuyến mức độ 3, 4", "1", RB),
                    ("Tỷ lệ hồ sơ tiếp nhận trực tuyến", "1", RB),
                    ("Đánh giá của CBCCVC về hiện đại hóa hành chính", "2", CS),
                ],
            ),
            (
                "Cổng/Trang thông tin điện tử",
                "2",
                None,
                [
                    ("Cập nhật thông tin trên Trang thông tin điện tử", "1", _lv("0", "0.5", "1")),
                    ("Số sự cố mất an toàn thông tin", "1", _ded("0.25"), "noev"),
                ],
            ),
            (
                "Áp dụng Hệ thống quản lý chất lượng ISO 9001",
                "2.5",
                None,
                [
                    ("Công bố Hệ thống quản lý chất lượng phù hợp", "0.5", _lv("0", "0.5")),
                    ("Duy trì, cải tiến Hệ thống quản lý chất lượng", "1", _man()),
                    ("Đánh giá nội bộ theo ISO 9001", "1", _lv("0", "1")),
                ],
            ),
        ],
    ),
    (
        "Công tác văn thư, lưu trữ",
        "4",
        [
            ("Ban hành văn bản về công tác văn thư, lưu trữ", "0.5", _lv("0", "0.5"), []),
            ("Số văn bản đi, đến quản lý sai quy định", "0.5", _ded("0.25"), []),
            ("Tỷ lệ hồ sơ được lập và nộp lưu", "0.5", RB, []),
            (
                "Chỉnh lý tài liệu lưu trữ",
                "0.5",
                None,
                [
                    ("Kế hoạch chỉnh lý tài liệu tồn đọng", "0.25", _lv("0", "0.25")),
                    ("Khối lượng tài liệu được chỉnh lý", "0.25", _man(), "na"),
                ],
            ),
            ("Đánh giá của CBCCVC về công tác văn thư, lưu trữ", "2", CS, []),
        ],
    ),
    ("Mức độ hài lòng của người dân, tổ chức đối với sự phục vụ hành chính (SIPAS)", "24", ("sipas",)),
]

GUIDANCE = {
    "levels": "Chọn mức đạt được. Tài liệu kiểm chứng: văn bản ban hành, báo cáo kết quả thực hiện.",
    "ratio": "Nhập số đạt yêu cầu (tử số) và tổng số phải thực hiện (mẫu số) trong năm đánh giá.",
    "deduction": "Nhập số trường hợp vi phạm trong năm; mỗi trường hợp bị trừ điểm, không thấp hơn 0.",
    "manual": "Nhập điểm theo kết quả thực tế, là bội số của bước điểm.",
    "cs": "Điểm do điều tra xã hội học cán bộ, công chức, viên chức; đơn vị không tự chấm.",
    "sipas": "Điểm do khảo sát mức độ hài lòng của người dân, tổ chức (SIPAS); đơn vị không tự chấm.",
}

DISTRICT_RENAMES = [
    ("phòng, đơn vị", "phòng chuyên môn và UBND cấp xã"),
    ("đơn vị trực thuộc", "UBND cấp xã"),
    ("Bộ phận một cửa", "Bộ phận một cửa cấp huyện, cấp xã"),
    ("Trang thông tin điện tử", "Trang thông tin điện tử cấp huyện"),
]


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _leaf_fields(spec: tuple, max_points: Decimal, options: tuple) -> dict:
    kind = spec[0]
    fields = {"na_allowed": "na" in options, "guidance": GUIDANCE[kind]}
    if kind == "sipas":
        return fields | {"source": "sipas"}
    if kind == "cs":
        return fields | {"source": "cs_survey"}
    fields |= {"source": "self", "rule": kind, "evidence_required": "noev" not in options}
    if kind == "levels":
        labels = LEVEL_LABELS[len(spec[1])]
        fields["params"] = {
            "levels": [{"label": lab, "points": f"{Decimal(p):.2f}"} for lab, p in zip(labels, spec[1], strict=True)]
        }
    elif kind == "ratio":
        bands = [("0", Decimal("0")), ("50", Decimal("0.5")), ("70", Decimal("0.75")), ("90", Decimal("1"))]
        fields["params"] = (
            {"bands": [{"threshold": t, "points": f"{_q(max_points * f)}"} for t, f in bands]} if spec[1] else {}
        )
        if spec[1]:
            fields["guidance"] += (
                " Điểm theo bậc: dưới 50% được 0 điểm; từ 50% một nửa; từ 70% ba phần tư; từ 90% tối đa."
            )
    elif kind == "deduction":
        fields["params"] = {"per_item": spec[1]}
        fields["guidance"] += f" Mỗi trường hợp trừ {spec[1].replace('.', ',')} điểm."
    elif kind == "manual":
        fields["params"] = {"step": spec[1]}
    return fields


def framework_rows(contents: list[tuple] = DEPARTMENT, renames: list[tuple[str, str]] = ()) -> list[dict]:
    """The framework as rows (code, parent, level, name, max_points and leaf fields), in order."""
    rows: list[dict] = []

    def name(text: str) -> str:
        for old, new in renames:
            text = text.replace(old, new)
        return text

    for d, (d_name, d_max, criteria) in enumerate(contents, start=1):
        d_code = str(d)
        row = {"code": d_code, "parent": None, "level": "domain", "name": name(d_name), "max_points": Decimal(d_max)}
        rows.append(row)
        if isinstance(criteria, tuple):  # the domain itself is scored (SIPAS)
            row.update(_leaf_fields(criteria, Decimal(d_max), ()))
            continue
        for c, (c_name, c_max, c_spec, subs) in enumerate(criteria, start=1):
            c_code = f"{d_code}.{c}"
            crow = {
                "code": c_code,
                "parent": d_code,
                "level": "criterion",
                "name": name(c_name),
                "max_points": Decimal(c_max),
            }
            rows.append(crow)
            if c_spec is not None:
                crow.update(_leaf_fields(c_spec, Decimal(c_max), ()))
            for s, (s_name, s_max, s_spec, *options) in enumerate(subs, start=1):
                rows.append(
                    {
                        "code": f"{c_code}.{s}",
                        "parent": c_code,
                        "level": "sub_criterion",
                        "name": name(s_name),
                        "max_points": Decimal(s_max),
                    }
                    | _leaf_fields(s_spec, Decimal(s_max), tuple(options))
                )
    return rows


def _create_framework(*, round: Round, group: RankingGroup, title: str, rows: list[dict]) -> Framework:
    fw = Framework.objects.create(round=round, group=group, title=title)  # targets: 100 = 60 + 16 + 24
    nodes: dict[str, Node] = {}
    for i, r in enumerate(rows, start=1):
        nodes[r["code"]] = Node.objects.create(
            framework=fw,
            parent=nodes[r["parent"]] if r["parent"] else None,
            level=r["level"],
            code=r["code"],
            name=r["name"],
            max_points=r["max_points"],
            order=i,
            source=r.get("source", ""),
            rule=r.get("rule", ""),
            params=r.get("params", {}),
            na_allowed=r.get("na_allowed", False),
            evidence_required=r.get("evidence_required", False),
            guidance=r.get("guidance", ""),
        )
    return fw


def _local(year: int, month: int, day: int) -> datetime:
    return timezone.make_aware(datetime(year, month, day, 17, 0))


@transaction.atomic
def load_demo_base() -> dict:
    """Create the demo base; returns what exists and ``created`` (how many objects were added)."""
    from parindex.models import User

    created = 0
    groups: dict[str, RankingGroup] = {}
    for code, name, order in GROUPS:
        groups[code], new = RankingGroup.objects.get_or_create(
            code=code, defaults={"name": name, "display_order": order}
        )
        created += new
    units: list[Unit] = []
    for group_code, entries in UNITS.items():
        for order, (code, name) in enumerate(entries, start=1):
            unit, new = Unit.objects.get_or_create(
                code=code, defaults={"name": name, "group": groups[group_code], "display_order": order}
            )
            units.append(unit)
            created += new

    now = timezone.now()
    current, new = Round.objects.get_or_create(
        year=CURRENT_YEAR,
        defaults={
            "title": f"Chỉ số CCHC năm {CURRENT_YEAR}",
            "status": RoundStatus.OPEN,
            "self_deadline": now + timedelta(days=30),
            "explanation_deadline": now + timedelta(days=60),
        },
    )
    created += new
    titles = {
        "department": f"Bộ chỉ số CCHC cấp sở năm {CURRENT_YEAR} (minh họa)",
        "district": f"Bộ chỉ số CCHC cấp huyện năm {CURRENT_YEAR} (minh họa)",
    }
    contents = {"department": framework_rows(), "district": framework_rows(renames=DISTRICT_RENAMES)}
    for code, group in groups.items():
        if not Framework.objects.filter(round=current, group=group).exists():
            _create_framework(round=current, group=group, title=titles[code], rows=contents[code])
            created += 1
    created += len(round_add_units(round=current, units=units))

    for year in PAST_YEARS:
        past, new = Round.objects.get_or_create(
            year=year,
            defaults={
                "title": f"Chỉ số CCHC năm {year}",
                "status": RoundStatus.CLOSED,
                "self_deadline": _local(year, 12, 15),
                "explanation_deadline": _local(year + 1, 1, 10),
            },
        )
        created += new
        for fw in Framework.objects.filter(round=current):
            if not Framework.objects.filter(round=past, group=fw.group).exists():
                framework_copy(source=fw, round=past)
                created += 1
        created += len(round_add_units(round=past, units=units))

    by_code = {u.code: u for u in units}
    hashed = None  # hashing is slow on purpose: hash the shared demo password once
    users = []
    for username, full_name, flags, unit_code in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, unit=by_code.get(unit_code), **flags)
            hashed = hashed or make_password(DEMO_PASSWORD)
            user.password = hashed
            user.save()
            created += 1
        users.append(user)
    return {
        "created": created,
        "groups": list(groups.values()),
        "units": units,
        "rounds": list(Round.objects.filter(year__in=(CURRENT_YEAR, *PAST_YEARS))),
        "users": users,
        "logins": [(u.username, DEMO_PASSWORD, ", ".join(u.role_labels)) for u in users],
    }
