"""Demo step: the 2025 round after the reorganisation, with lineage from the 2021 units (README, "Demo").

- Departments from 1 March 2025: Finance with Planning and Investment, Construction with Transport, Science
  and Technology with Information and Communications, Agriculture with Natural Resources and Environment,
  Home Affairs with Labour, Invalids and Social Affairs, and a new Ethnic and Religious Affairs department.
  The other departments continue as they were.
- Districts are gone from 1 July 2025: a commune-level group of communes, wards and special zones. The names
  are real (Resolution 1654/NQ-UBTVQH15: An Giang has 102 commune-level units, 85 communes, 14 wards and 3
  special zones); the demo has a sample of them, each linked (split) to the 2021 district it mostly came
  from, and the group's name says it is a sample. Links of wards and communes to districts are simplified.
- The frameworks are copies of 2021's (titles marked "minh họa"); the crosswalk from 2021 is suggested by
  code, with one renamed criterion so the diff page has something to show.
- Assessed, surveyed, computed and published through the same services as the other demo rounds.

Idempotent: everything is get-or-create; assessments not in draft, current survey imports and a published
run with the same input digest are left alone.
"""

from __future__ import annotations

import os
import random
import tempfile
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from assessments.demo_assessments import _assess_unit, _staff
from assessments.models import (
    Assessment,
    AssessmentState,
    Framework,
    LineageKind,
    Node,
    NodeCrosswalk,
    RankingGroup,
    Round,
    RoundStatus,
    Unit,
    UnitLineage,
)
from assessments.services.crosswalk import crosswalk_suggest
from assessments.services.frameworks import framework_copy
from assessments.services.rounds import round_add_units
from parindex.models import User
from rankings import services
from rankings.computation import compute_round
from rankings.models import RunStatus
from rankings.receivers import recompute_paused
from rankings.selectors import run_latest_published
from surveys.demo import _write_csv, _write_xlsx, generate_rows
from surveys.models import SurveyImport, SurveyKind
from surveys.services.definitions import survey_questions_copy
from surveys.services.imports import survey_import_file

YEAR = 2025
SOURCE_YEAR = 2021
DEPARTMENTS_MERGED = date(2025, 3, 1)
COMMUNES_FROM = date(2025, 7, 1)

CONTINUING = ["STP", "SCT", "SYT", "SGDDT", "SNGV", "SVHTTDL", "BQLKKT"]
MERGED = [
    # new code, name, predecessors (2021 codes)
    ("STC25", "Sở Tài chính", ["STC", "SKHDT"]),
    ("SXD25", "Sở Xây dựng", ["SXD", "SGTVT"]),
    ("SKHCN25", "Sở Khoa học và Công nghệ", ["SKHCN", "STTTT"]),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", ["SNNPTNT", "STNMT"]),
    ("SNV25", "Sở Nội vụ", ["SNV", "SLDTBXH"]),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", []),
]
COMMUNE_GROUP = ("commune", "UBND cấp xã (mẫu minh họa: 14 trong 102 đơn vị)", 3)
COMMUNES = [
    # code, real name, the 2021 district it came from (None: from Kiên Giang, outside the 2021 demo)
    ("P-LONGXUYEN", "Phường Long Xuyên", "883"),
    ("P-BINHDUC", "Phường Bình Đức", "883"),
    ("P-CHAUDOC", "Phường Châu Đốc", "884"),
    ("P-TANCHAU", "Phường Tân Châu", "887"),
    ("P-RACHGIA", "Phường Rạch Giá", None),
    ("X-ANPHU", "Xã An Phú", "886"),
    ("X-VINHHAU", "Xã Vĩnh Hậu", "886"),
    ("X-NHONHOI", "Xã Nhơn Hội", "886"),
    ("X-PHUTAN", "Xã Phú Tân", "888"),
    ("X-CHOVAM", "Xã Chợ Vàm", "888"),
    ("X-CHAUPHU", "Xã Châu Phú", "889"),
    ("DK-PHUQUOC", "Đặc khu Phú Quốc", None),
    ("DK-KIENHAI", "Đặc khu Kiên Hải", None),
    ("DK-THOCHAU", "Đặc khu Thổ Châu", None),
]
# One criterion renamed in 2025, so the crosswalk (and its diff page) shows a "renamed" row.
RENAMED_IN_2025 = ("7.4", "Cổng thông tin điện tử và Cổng dịch vụ công")


def _local(y: int, m: int, d: int) -> datetime:
    return timezone.make_aware(datetime(y, m, d, 17, 0))


@transaction.atomic
def _structure() -> tuple[int, Round, list[Unit]]:
    created = 0
    groups = {g.code: g for g in RankingGroup.objects.all()}
    code, name, order = COMMUNE_GROUP
    commune_group, new = RankingGroup.objects.get_or_create(code=code, defaults={"name": name, "display_order": order})
    created += new
    by_code = {u.code: u for u in Unit.objects.all()}
    units: list[Unit] = [by_code[c] for c in CONTINUING if c in by_code]
    for i, (ucode, uname, preds) in enumerate(MERGED, start=1):
        unit, new = Unit.objects.get_or_create(
            code=ucode, defaults={"name": uname, "group": groups["department"], "display_order": 100 + i}
        )
        created += new
        units.append(unit)
        for pred in preds:
            if pred in by_code:
                _link, new = UnitLineage.objects.get_or_create(
                    successor=unit,
                    predecessor=by_code[pred],
                    defaults={
                        "kind": LineageKind.MERGER,
                        "effective_date": DEPARTMENTS_MERGED,
                        "note": "Sắp xếp các sở từ ngày 01/03/2025",
                    },
                )
                created += new
    for i, (ucode, uname, district) in enumerate(COMMUNES, start=1):
        unit, new = Unit.objects.get_or_create(
            code=ucode, defaults={"name": uname, "group": commune_group, "display_order": i}
        )
        created += new
        units.append(unit)
        if district in by_code:
            _link, new = UnitLineage.objects.get_or_create(
                successor=unit,
                predecessor=by_code[district],
                defaults={
                    "kind": LineageKind.SPLIT,
                    "effective_date": COMMUNES_FROM,
                    "note": "Chính quyền địa phương hai cấp từ ngày 01/07/2025 (liên kết đơn giản hóa)",
                },
            )
            created += new
    # Units that no longer exist in 2025 are inactive (they stay in the earlier rounds).
    gone = [p for _c, _n, preds in MERGED for p in preds] + [
        c for c, u in by_code.items() if u.group.code == "district"
    ]
    created += Unit.objects.filter(code__in=gone, active=True).update(active=False)

    rnd, new = Round.objects.get_or_create(
        year=YEAR,
        defaults={
            "title": f"Chỉ số CCHC năm {YEAR}",
            "status": RoundStatus.CLOSED,
            "self_deadline": _local(YEAR, 12, 15),
            "explanation_deadline": _local(YEAR + 1, 1, 10),
        },
    )
    created += new
    source = {
        fw.group.code: fw for fw in Framework.objects.filter(round__year=SOURCE_YEAR).select_related("group", "round")
    }
    pairs = [("department", groups["department"]), ("district", commune_group)]
    for source_code, group in pairs:
        if source_code not in source or Framework.objects.filter(round=rnd, group=group).exists():
            continue
        src = source[source_code]
        if source_code == "department":
            fw = framework_copy(source=src, round=rnd)
            Node.objects.filter(framework=fw, code=RENAMED_IN_2025[0]).update(name=RENAMED_IN_2025[1])
        else:
            # The commune framework starts from the 2021 district one, moved to the commune group.
            fw = framework_copy(source=src, round=rnd, title=f"Bộ chỉ số CCHC cấp xã năm {YEAR} (minh họa)")
            Framework.objects.filter(pk=fw.pk).update(group=group)
        created += 1
    # Crosswalks into 2025 from every earlier demo year, so "last year" reads whichever round was published last.
    for fw in Framework.objects.filter(round=rnd).select_related("group", "round"):
        group_code = "department" if fw.group.code == "department" else "district"
        for old in Framework.objects.filter(round__year__lt=YEAR, group__code=group_code).select_related("round"):
            if not NodeCrosswalk.objects.filter(new_node__framework=fw, old_node__framework=old).exists():
                created += crosswalk_suggest(old=old, new=fw)
    created += len(round_add_units(round=rnd, units=units))
    return created, rnd, units


def _assess(rnd: Round) -> int:
    appraiser, admin = _staff()
    done = 0
    for assessment in Assessment.objects.filter(round=rnd, state=AssessmentState.DRAFT).select_related("round", "unit"):
        if assessment.scores.exists():
            continue
        rng = random.Random(f"parindex-demo-{YEAR}-{assessment.unit.code}")
        with transaction.atomic():
            _assess_unit(assessment, appraiser=appraiser, admin=admin, rng=rng, late=False, explain=False)
        done += 1
    return done


def _surveys(rnd: Round) -> int:
    source = Round.objects.filter(year=SOURCE_YEAR).first()
    if source is None:
        return 0
    admin = User.objects.filter(username="admin").first()
    with transaction.atomic():
        created = survey_questions_copy(source_round=source, target_round=rnd)
    with tempfile.TemporaryDirectory() as tmp:
        for survey, ext in ((SurveyKind.SIPAS, "xlsx"), (SurveyKind.CS, "csv")):
            if SurveyImport.objects.filter(round=rnd, survey=survey, is_current=True).exists():
                continue
            header, rows = generate_rows(round=rnd, survey=survey, seed=f"parindex-demo-{YEAR}-{survey}")
            path = os.path.join(tmp, f"khao_sat_{survey}_{YEAR}.{ext}")
            (_write_xlsx if ext == "xlsx" else _write_csv)(path, header, rows)
            survey_import_file(
                round=rnd, survey=survey, path=path, user=admin, accept_invalid=True, allow_reimport=True
            )
            created += 1
    return created


def _publish(rnd: Round) -> int:
    admin = User.objects.filter(username="admin").first()
    published = run_latest_published(round=rnd)
    if admin is None or (published is not None and published.digest == compute_round(round=rnd).digest):
        return 0
    run, _ = services.index_run_create(round=rnd, user=admin, trigger="demo", enqueue=False)
    run = services.index_run_execute(run_id=run.pk) or run
    run.refresh_from_db()
    if run.status != RunStatus.SUCCEEDED:
        return 0
    services.index_run_publish(
        run=run, user=admin, confirmed=True, reason="Dữ liệu minh hoạ, công bố tự động khi nạp bản demo"
    )
    return 1


def load_demo_2025() -> dict:
    """The 2025 round after the reorganisation; returns ``created`` (objects added)."""
    if not Round.objects.filter(year=SOURCE_YEAR).exists() or _staff()[1] is None:
        return {"created": 0, "message": "no demo round 2021: run load_demo_base first"}
    created, rnd, _units = _structure()
    with recompute_paused():  # the round is computed once, at the end
        created += _assess(rnd)
        created += _surveys(rnd)
    created += _publish(rnd)
    return {"created": created, "message": f"{YEAR}: {Assessment.objects.filter(round=rnd).count()} units"}
