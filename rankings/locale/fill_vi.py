"""Fill the Vietnamese catalogue of the rankings app after ``makemessages`` (run from the app directory).

    cd rankings && ../.venv/bin/django-admin makemessages -l vi && ../.venv/bin/python locale/fill_vi.py \
        && ../.venv/bin/django-admin compilemessages
"""

import re
import sys
from pathlib import Path

VI = {
    "Index and rankings": "Chỉ số và xếp hạng",
    "Appraisal not completed: the result is provisional": "Chưa hoàn thành thẩm định: kết quả là tạm tính",
    "Not applicable (confirmed): ": "Không đánh giá (đã xác nhận): ",
    "Not scored, counted as 0: ": "Chưa chấm điểm, tính 0 điểm: ",
    "Survey not measured, left out of the applicable maximum: ": "Chưa có dữ liệu điều tra, không tính vào điểm tối đa áp dụng: ",
    "Survey not measured, counted as 0: ": "Chưa có dữ liệu điều tra, tính 0 điểm: ",
    "No framework for the unit's ranking group in this round": "Khối của đơn vị chưa có bộ tiêu chí trong đợt này",
    "Waiting": "Đang chờ",
    "Computing": "Đang tính",
    "Done": "Hoàn thành",
    "Failed": "Thất bại",
    "status": "trạng thái",
    "trigger": "nguồn yêu cầu",
    "created at": "tạo lúc",
    "started at": "bắt đầu lúc",
    "finished at": "kết thúc lúc",
    "input digest": "mã băm dữ liệu đầu vào",
    "error": "lỗi",
    "published": "đã công bố",
    "published at": "công bố lúc",
    "index run": "lượt tính chỉ số",
    "index runs": "các lượt tính chỉ số",
    "self-assessed points": "điểm tự đánh giá",
    "appraised points": "điểm thẩm định",
    "civil-servant survey points": "điểm khảo sát CBCCVC",
    "SIPAS points": "Điểm SIPAS",
    "total points": "tổng điểm",
    "applicable maximum": "điểm tối đa áp dụng",
    "index (%)": "chỉ số (%)",
    "rank": "xếp hạng",
    "classification": "xếp loại",
    "provisional": "tạm tính",
    "This run is already published; a published run never changes.": "Lượt tính này đã được công bố; kết quả đã công bố không thể thay đổi.",
    "Only a completed run can be published.": "Chỉ công bố được lượt tính đã hoàn thành.",
    "A published run cannot be deleted.": "Không thể xóa lượt tính đã công bố.",
    "Index results": "Kết quả chỉ số",
    "No results have been published yet.": "Chưa có kết quả nào được công bố.",
    "Round": "Đợt đánh giá",
    "Published results": "Kết quả đã công bố",
    "Latest computation": "Lượt tính mới nhất",
    "Actions": "Thao tác",
    "Published %(when)s": "Công bố %(when)s",
    "Not published": "Chưa công bố",
    "Provisional results of %(when)s": "Kết quả tạm tính lúc %(when)s",
    "Same as published": "Trùng với kết quả đã công bố",
    "A computation is in progress": "Đang tính chỉ số",
    "Compute the index": "Tính chỉ số",
    "Compute and publish the index": "Tính và công bố chỉ số",
    "Index results and computation": "Kết quả và tính chỉ số",
    "Published index results": "Kết quả chỉ số đã công bố",
    "Your unit's results over the years": "Kết quả của đơn vị qua các năm",
    "Provisional results – not published": "Kết quả tạm tính – chưa công bố",
    "Computed %(when)s.": "Tính lúc %(when)s.",
    "%(n)s unit changed against the published results (highlighted).": [
        "%(n)s đơn vị thay đổi so với kết quả đã công bố (được tô màu)."],
    "No results of this round have been published yet.": "Đợt này chưa có kết quả được công bố.",
    "Published results (%(when)s).": "Kết quả đã công bố (%(when)s).",
    "Status": "Trạng thái",
    "%(n)s unit computed.": ["Đã tính %(n)s đơn vị."],
    "See the results": "Xem kết quả",
    "The computation failed; the previous results stay as they were.": "Tính chỉ số thất bại; kết quả trước đó được giữ nguyên.",
    "Results – %(title)s": "Kết quả – %(title)s",
    "Show the published results": "Xem kết quả đã công bố",
    "Show the latest computation": "Xem lượt tính mới nhất",
    "Publish these results": "Công bố kết quả này",
    "No results are available for this round yet.": "Đợt này chưa có kết quả.",
    "No.": "STT",
    "Unit name": "Tên đơn vị",
    "Self-assessed points": "Điểm tự đánh giá",
    "Appraised points": "Điểm thẩm định",
    "Survey points": "Điểm điều tra XHH",
    "Total points": "Tổng điểm",
    "Applicable maximum": "Điểm tối đa áp dụng",
    "Index (%%)": "Chỉ số (%%)",
    "Rank": "Xếp hạng",
    "Classification": "Xếp loại",
    "Warnings": "Cảnh báo",
    "new in this computation": "mới trong lượt tính này",
    "was": "trước:",
    "Index computation": "Tính chỉ số",
    "Index computation – %(title)s": "Tính chỉ số – %(title)s",
    "Run #%(n)s requested %(when)s": "Lượt tính #%(n)s yêu cầu lúc %(when)s",
    "Back to the index results": "Về trang kết quả chỉ số",
    "Back to the ranking": "Về bảng xếp hạng",
    "Results over the years": "Kết quả qua các năm",
    "No result of this unit is available for this round.": "Đơn vị chưa có kết quả trong đợt này.",
    "Published result.": "Kết quả đã công bố.",
    "Ranking group": "Khối",
    "Civil-servant survey points": "Điểm khảo sát CBCCVC",
    "By domain": "Theo lĩnh vực",
    "Code": "Mã",
    "Domain": "Lĩnh vực",
    "Points": "Điểm",
    "Points lost": "Điểm bị trừ",
    "By criterion": "Theo tiêu chí",
    "Criterion": "Tiêu chí",
    "%(name)s – results over the years": "%(name)s – kết quả qua các năm",
    "No result of this unit is available yet.": "Đơn vị chưa có kết quả.",
    "A computation of this round is already waiting; it will include your request.": "Đợt này đã có một lượt tính đang chờ; lượt tính đó sẽ bao gồm yêu cầu của bạn.",
    "The results have been published.": "Đã công bố kết quả.",
    "%(step)s: not installed, skipped": "%(step)s: chưa cài đặt, bỏ qua",
    "%(step)s: %(n)s objects created": "%(step)s: đã tạo %(n)s đối tượng",
    "The demo data was already loaded: nothing changed.": "Dữ liệu mẫu đã được nạp trước đó: không có gì thay đổi.",
    "Demo logins (password %(password)s):": "Tài khoản dùng thử (mật khẩu %(password)s):",
}


def unquote(lines: list[str]) -> str:
    return "".join(re.match(r'^(?:msgid|msgid_plural|msgstr(?:\[\d\])?)?\s*"(.*)"$', ln).group(1) for ln in lines)


def _unfuzzy(line: str) -> str:
    if line.startswith("#,"):
        flags = [f.strip() for f in line[2:].split(",") if f.strip() != "fuzzy"]
        return "#, " + ", ".join(flags)
    return line


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    path = Path(__file__).parent / "vi" / "LC_MESSAGES" / "django.po"
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    missing = []
    out = []
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        if i == 0:
            block = block.replace("#, fuzzy\n", "").replace('"Language: \\n"', '"Language: vi\\n"')
            out.append(block)
            continue
        keep = [_unfuzzy(ln) for ln in lines if ln.startswith("#") and ln != "#, fuzzy" and not ln.startswith("#| ")]
        body = [ln for ln in lines if ln and not ln.startswith("#")]
        if not body:
            out.append(block)
            continue
        sections: dict[str, list[str]] = {}
        current = None
        for ln in body:
            m = re.match(r"^(msgid_plural|msgid|msgstr(?:\[\d\])?)\s", ln)
            if m:
                current = m.group(1)
                sections[current] = [ln]
            elif current:
                sections[current].append(ln)
        msgid = unquote(sections["msgid"]).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        tr = VI.get(msgid)
        if tr is None:
            # Entries of the dashboards keep their own translations; only empty ones are reported.
            if all(unquote(v) == "" for k, v in sections.items() if k.startswith("msgstr")):
                missing.append(msgid)
            out.append(block)
            continue
        new = keep + sections["msgid"]
        if "msgid_plural" in sections:
            new += sections["msgid_plural"]
            forms = tr if isinstance(tr, list) else [tr]
            new += [f"msgstr[{k}] {quote(f)}" for k, f in enumerate(forms)]
        else:
            new.append(f"msgstr {quote(tr)}")
        out.append("\n".join(new))
    path.write_text("\n\n".join(out), encoding="utf-8")
    if missing:
        print("untranslated:", *missing, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
