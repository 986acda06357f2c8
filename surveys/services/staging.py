"""Bulk writing of respondent rows: PostgreSQL COPY, or large executemany batches elsewhere.

On PostgreSQL the rows are written as COPY text lines built here (escaping backslash, tab,
newline and carriage return as the COPY text format requires), which is several times faster
than adapting every value separately.
"""

import json

from django.db import connection, transaction

from surveys.models import SurveyResponse

COLUMNS = ("survey_import_id", "unit_id", "row_number", "form_id", "attributes", "answers", "valid", "invalid_reasons")
NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _escaped(json_text: str) -> str:
    # JSON text holds no raw tab or newline (json escapes them with a backslash), so only a
    # backslash calls for COPY escaping.
    return copy_text(json_text) if "\\" in json_text else json_text


class ResponseWriter:
    """Writes forms as they are read, so memory stays flat whatever the file size.

    On PostgreSQL one COPY stays open for the whole file: the server stores rows while Python
    reads the next ones. Elsewhere rows go in batches of ``chunk`` through executemany.
    Use as a context manager; leaving it with an exception aborts the COPY.
    """

    def __init__(self, *, import_id: int, chunk: int = 5000):
        self.import_id = import_id
        self.chunk = chunk
        self.buffer: list = []
        self.table = SurveyResponse._meta.db_table
        self.is_pg = connection.vendor == "postgresql"
        self._cursor_cm = self._copy_cm = self._copy = None

    def __enter__(self) -> "ResponseWriter":
        if self.is_pg:
            self._cursor_cm = connection.cursor()
            cursor = self._cursor_cm.__enter__()
            self._copy_cm = cursor.copy(f"COPY {self.table} ({', '.join(COLUMNS)}) FROM STDIN")  # noqa: S608 - names are ours
            self._copy = self._copy_cm.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.flush()
        if self.is_pg:
            try:
                self._copy_cm.__exit__(exc_type, exc, tb)
            finally:
                self._cursor_cm.__exit__(exc_type, exc, tb)

    def add(
        self,
        *,
        unit_id: int | None,
        row_number: int,
        form_id: str,
        attributes_json: str,
        answers_json: str,
        reasons: list[str],
    ) -> bool:
        """Queue one form (attributes and answers already JSON); returns True when a batch was sent."""
        reasons_json = json.dumps(reasons, ensure_ascii=False) if reasons else "[]"
        if self.is_pg:
            self.buffer.append(
                f"{self.import_id}\t{unit_id if unit_id is not None else NULL}\t{row_number}\t{copy_text(form_id)}\t"
                f"{_escaped(attributes_json)}\t{_escaped(answers_json)}\t{'f' if reasons else 't'}\t{_escaped(reasons_json)}\n"
            )
        else:
            self.buffer.append(
                (self.import_id, unit_id, row_number, form_id, attributes_json, answers_json, not reasons, reasons_json)
            )
        if len(self.buffer) >= self.chunk:
            self.flush()
            return True
        return False

    def flush(self) -> None:
        if not self.buffer:
            return
        if self.is_pg:
            self._copy.write("".join(self.buffer))
        else:
            cols = ", ".join(COLUMNS)
            marks = ", ".join(["%s"] * len(COLUMNS))
            # One transaction per batch: in autocommit SQLite would commit (and sync) every row.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {self.table} ({cols}) VALUES ({marks})", self.buffer)  # noqa: S608
        self.buffer.clear()
