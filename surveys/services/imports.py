"""Survey import: upload → preview (parse, validate, stage rows) → confirm (DESIGN §4).

Preview streams the file once: every form is validated and written to ``SurveyResponse`` in
chunks (COPY on PostgreSQL) under the import, which is not current, so nothing is scored yet.
Structural problems reject the whole file and remove whatever was staged. Confirm is one
transaction: the previous current import of the same round and survey becomes superseded and
the per-unit aggregates are computed in the database from the staged rows.

Unknown unit codes are treated per row (the form is invalid and listed with its row) rather than
rejecting the file: the admin sees every bad code at once and may accept those forms as invalid.
"""

import hashlib
import logging
import os
import tempfile

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Round
from parindex import permissions as can
from parindex.errors import failure_message
from parindex.models import User
from parindex.spreadsheets import SpreadsheetRefused, run_with_memory_limit
from parindex.work import attempts_exhausted, stale_cutoff
from surveys import reader
from surveys.models import (
    ImportStatus,
    SurveyImport,
    SurveyKind,
    SurveyResponse,
)
from surveys.services.parsing import parse_and_stage, set_progress
from surveys.services.results import results_compute
from surveys.signals import survey_import_confirmed

logger = logging.getLogger(__name__)


class ImportRefused(Exception):
    """The action is not allowed now; ``message`` says why (Vietnamese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _require_manager(user: User | None) -> None:
    """Imports are an administrator's work (``can_manage_surveys``); ``None`` is the command line, trusted."""
    if user is not None and not can.can_manage_surveys(user):
        raise PermissionDenied


def sha256_of(fileobj) -> str:
    digest = hashlib.sha256()
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def survey_import_create(
    *,
    round: Round,
    survey: str,
    fileobj,
    name: str,
    user: User | None,
    allow_reimport: bool = False,
    enqueue: bool = True,
) -> SurveyImport:
    """Check the upload and store it as a pending import; the preview runs after commit (Celery).

    Size, type and archive checks happen here so that a hostile file stores nothing at all.
    """
    _require_manager(user)
    if survey not in SurveyKind.values:
        raise ImportRefused(_("Unknown survey."))
    size = fileobj.seek(0, os.SEEK_END)
    fileobj.seek(0)
    if size > settings.SURVEY_UPLOAD_MAX_BYTES:
        raise ImportRefused(
            _("The file is %(size)d MB; at most %(max)d MB may be uploaded.")
            % {"size": size // 2**20, "max": settings.SURVEY_UPLOAD_MAX_BYTES // 2**20}
        )
    if size == 0:
        raise ImportRefused(_("The file is empty."))
    try:
        reader.file_kind(name)
    except reader.FileRejected as exc:
        raise ImportRefused(exc.message) from exc
    sha = sha256_of(fileobj)
    if not allow_reimport:
        _refuse_duplicate(round_id=round.pk, survey=survey, sha=sha)  # early answer, before the archive checks
    with tempfile.NamedTemporaryFile(suffix=os.path.splitext(name)[1].lower()) as tmp:
        for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
            tmp.write(chunk)
        tmp.flush()
        try:
            formula_cells = reader.check_container(tmp.name, name)
        except reader.FileRejected as exc:
            raise ImportRefused(exc.message) from exc
        fileobj.seek(0)
    stored = None  # the file written to storage by this call, removed again if its transaction rolls back
    try:
        with transaction.atomic():
            # Race: several uploads of the same file at once (double click, two admins) would each find no
            # earlier import and each create one. The round's row lock serialises them, so the check below
            # sees the import committed by the first.
            Round.objects.select_for_update().filter(pk=round.pk).first()
            if not allow_reimport:
                _refuse_duplicate(round_id=round.pk, survey=survey, sha=sha)
            # The archive was fully checked above; the preview reuses what the check found (and the
            # stored file is never changed), so it does not inflate the file a second time.
            imp = SurveyImport(
                round=round,
                survey=survey,
                original_name=name[:255],
                sha256=sha,
                uploaded_by=user,
                summary={"checked_formula_cells": formula_cells},
            )
            imp.file.save(os.path.basename(name) or "survey", File(fileobj), save=False)
            stored = imp.file.name
            imp.save()
            if enqueue:
                transaction.on_commit(lambda: _enqueue_preview(imp.id))
    except BaseException:
        # Storage is not transactional: without this the spreadsheet would stay on disk with no import row.
        if stored:
            imp.file.storage.delete(stored)
        raise
    return imp


def _refuse_duplicate(*, round_id: int, survey: str, sha: str) -> None:
    """The same file (by checksum) is never imported twice silently (DESIGN §4)."""
    earlier = (
        SurveyImport.objects.filter(round_id=round_id, survey=survey, sha256=sha)
        .exclude(status__in=[ImportStatus.REJECTED, ImportStatus.CANCELLED, ImportStatus.FAILED])
        .first()
    )
    if earlier:
        raise ImportRefused(
            _(
                "This file was already imported as import #%(id)d (%(name)s, %(date)s, %(status)s). "
                "Tick “import again” to import it once more."
            )
            % {
                "id": earlier.id,
                "name": earlier.original_name,
                "date": timezone.localtime(earlier.created_at).strftime("%d/%m/%Y %H:%M"),
                "status": earlier.get_status_display(),
            }
        )


def _enqueue_preview(import_id: int) -> None:
    from surveys.tasks import survey_import_preview_task

    survey_import_preview_task.delay(import_id)


def _discard_rows(import_id: int) -> None:
    SurveyResponse.objects.filter(survey_import_id=import_id).delete()


def survey_import_preview(*, import_id: int, isolated: bool = False) -> SurveyImport:
    """Parse and validate the file, stage its forms, and leave the import ready for review.

    Runs outside one big transaction on purpose: progress updates must be visible to the page
    polling them (and ``isolated`` parsing happens in a child process with its own connection).
    A failure removes every staged row, so a rejected file leaves nothing behind.
    """
    with transaction.atomic():
        # Lock: a redelivered task (worker lost) and the original must not parse the same import twice.
        imp = SurveyImport.objects.select_for_update().get(pk=import_id)
        if imp.status not in (ImportStatus.PENDING, ImportStatus.PARSING):
            return imp
        imp.attempts += 1
        if attempts_exhausted(imp.attempts):
            # Every earlier delivery killed its worker (a file that exhausts memory, say): give up, so the
            # message is acknowledged instead of being delivered for ever. The file is kept for a retry.
            imp.status = ImportStatus.FAILED
            imp.error = _(
                "Reading the file was started %(n)d times and each time its worker stopped before the end "
                "(the file may be too large to read). Nothing was stored; an administrator may retry it."
            ) % {"n": imp.attempts - 1}
            imp.save(update_fields=["status", "attempts", "error"])
            logger.error("survey import %s given up after %s attempts", import_id, imp.attempts - 1)
            _discard_rows(import_id)
            return imp
        imp.status = ImportStatus.PARSING
        imp.heartbeat_at = timezone.now()
        imp.save(update_fields=["status", "attempts", "heartbeat_at"])
    _discard_rows(import_id)  # a previous attempt that died half-way
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        try:
            # In a worker the file is parsed in a child process under SPREADSHEET_MEMORY_LIMIT_BYTES: a file
            # that passed every check but still needs too much memory kills the child, not the worker.
            result = (
                run_with_memory_limit(parse_and_stage, imp, uses_database=True) if isolated else parse_and_stage(imp)
            )
        except SpreadsheetRefused as exc:
            _discard_rows(import_id)
            set_progress(import_id, status=ImportStatus.REJECTED, error=exc.message, progress_percent=100)
            _delete_stored_file(imp)
        except Exception as exc:
            _discard_rows(import_id)
            message = failure_message(exc, logger=logger, what=f"survey import {import_id}")
            set_progress(import_id, status=ImportStatus.FAILED, error=message)
            _delete_stored_file(imp)
            raise
        else:
            # Only an import still being read becomes ready: one cancelled (or failed by the sweep) meanwhile
            # keeps its state, and whatever this attempt staged is removed.
            if not SurveyImport.objects.filter(pk=import_id, status=ImportStatus.PARSING).update(
                status=ImportStatus.PREVIEW, progress_percent=100, **result
            ):
                _discard_rows(import_id)
    imp.refresh_from_db()
    return imp


def _delete_stored_file(imp: SurveyImport) -> None:
    if imp.file:
        imp.file.delete(save=False)
        SurveyImport.objects.filter(pk=imp.pk).update(file="")


CANCELLABLE = (ImportStatus.PENDING, ImportStatus.PARSING, ImportStatus.PREVIEW)


def survey_import_cancel(*, import_id: int, user: User | None) -> SurveyImport:
    """Cancel an import waiting to be read, being read (a worker still reading stores nothing) or waiting for review."""
    _require_manager(user)
    with transaction.atomic():
        # Lock: cancelling while another admin confirms the same import must not half-apply either.
        imp = SurveyImport.objects.select_for_update().get(pk=import_id)
        if imp.status not in CANCELLABLE:
            raise ImportRefused(_("Only an import that is being read or waiting for review can be cancelled."))
        _discard_rows(import_id)
        imp.status = ImportStatus.CANCELLED
        imp.save(update_fields=["status"])
    return imp


def is_stuck(imp: SurveyImport) -> bool:
    return imp.status == ImportStatus.PARSING and (imp.heartbeat_at is None or imp.heartbeat_at < stale_cutoff())


def survey_import_retry(*, import_id: int, user: User | None, enqueue: bool = True) -> SurveyImport:
    """Read a failed, stuck or never-started import's file again, from the start with a fresh attempt count."""
    _require_manager(user)
    with transaction.atomic():
        imp = SurveyImport.objects.select_for_update().get(pk=import_id)
        retryable = imp.status in (ImportStatus.FAILED, ImportStatus.PENDING) or is_stuck(imp)
        if not retryable or not imp.file:
            raise ImportRefused(
                _("Only an import that failed, or whose reading stopped, can be retried (with its file).")
            )
        _discard_rows(import_id)
        imp.status = ImportStatus.PENDING
        imp.attempts = 0
        imp.heartbeat_at = None
        imp.error = ""
        imp.progress_rows = imp.progress_percent = 0
        imp.save(update_fields=["status", "attempts", "heartbeat_at", "error", "progress_rows", "progress_percent"])
        if enqueue:
            transaction.on_commit(lambda: _enqueue_preview(import_id))
    return imp


def survey_import_choose_sheet(
    *, import_id: int, user: User | None, sheet_name: str, enqueue: bool = True
) -> SurveyImport:
    """Read a previewed workbook again from the sheet the admin names (the automatic choice took another)."""
    _require_manager(user)
    with transaction.atomic():
        # Race: a confirmation of the same import at the same time; the row lock makes one of them wait and
        # then see the other's status.
        imp = SurveyImport.objects.select_for_update().get(pk=import_id)
        sheets = imp.summary.get("sheets", []) if isinstance(imp.summary, dict) else []
        if imp.status != ImportStatus.PREVIEW or not imp.file:
            raise ImportRefused(_("Only an import in preview can be read from another sheet."))
        if sheet_name not in sheets:
            raise ImportRefused(_("The workbook has no sheet named “%(name)s”.") % {"name": sheet_name[:100]})
        _discard_rows(import_id)
        imp.summary = {**imp.summary, "sheet_name": sheet_name}
        imp.status = ImportStatus.PENDING
        imp.attempts = 0
        imp.heartbeat_at = None
        imp.error = ""
        imp.rows_total = imp.rows_valid = imp.rows_invalid = 0
        imp.problems = []
        imp.progress_rows = imp.progress_percent = 0
        imp.save()
        if enqueue:
            transaction.on_commit(lambda: _enqueue_preview(import_id))
    return imp


def survey_import_sweep_stale() -> list[int]:
    """Fail every import whose reading worker stopped beating (file kept: retryable); returns their ids."""
    failed = []
    with transaction.atomic():
        cutoff = stale_cutoff()
        stale = (
            SurveyImport.objects.select_for_update(skip_locked=True)
            .filter(status=ImportStatus.PARSING)
            .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True))
        )
        for imp in stale:
            imp.status = ImportStatus.FAILED
            imp.error = _(
                "The worker reading this file stopped (no sign of life since %(moment)s). Nothing was stored; retry it."
            ) % {
                "moment": timezone.localtime(imp.heartbeat_at).strftime("%d/%m/%Y %H:%M:%S")
                if imp.heartbeat_at
                else "—"
            }
            imp.save(update_fields=["status", "error"])
            _discard_rows(imp.pk)
            failed.append(imp.pk)
    if failed:
        logger.warning("survey imports failed by the sweep (worker lost): %s", failed)
    return failed


def survey_import_confirm(*, import_id: int, user: User | None, accept_invalid: bool = False) -> SurveyImport:
    """Make the import current for its round and survey, replacing the previous one, in one transaction."""
    _require_manager(user)
    with transaction.atomic():
        imp = SurveyImport.objects.get(pk=import_id)
        # Lock every import of this round and survey in id order: two admins confirming two files of
        # the same survey at once would otherwise both become current (or one confirm twice).
        locked = list(
            SurveyImport.objects.select_for_update().filter(round_id=imp.round_id, survey=imp.survey).order_by("id")
        )
        imp = next(i for i in locked if i.id == import_id)
        if imp.status != ImportStatus.PREVIEW:
            raise ImportRefused(
                _("This import is not waiting for review (status: %(status)s).") % {"status": imp.get_status_display()}
            )
        if imp.rows_invalid and not accept_invalid:
            raise ImportRefused(
                _(
                    "The file has %(n)d invalid forms. Tick “accept the invalid forms” to import them as invalid (they are not scored)."
                )
                % {"n": imp.rows_invalid}
            )
        for previous in locked:
            if previous.is_current:
                previous.is_current = False
                previous.status = ImportStatus.SUPERSEDED
                previous.save(update_fields=["is_current", "status"])
        results_compute(imp)
        imp.status = ImportStatus.CONFIRMED
        imp.is_current = True
        imp.accepted_invalid = bool(imp.rows_invalid)
        imp.confirmed_by = user
        imp.confirmed_at = timezone.now()
        imp.save(update_fields=["status", "is_current", "accepted_invalid", "confirmed_by", "confirmed_at"])
        round_id, survey = imp.round_id, imp.survey
        transaction.on_commit(
            lambda: survey_import_confirmed.send(
                sender=SurveyImport, round_id=round_id, survey=survey, import_id=import_id
            )
        )
    return imp


def survey_import_file(
    *,
    round: Round,
    survey: str,
    path: str,
    user: User | None,
    accept_invalid: bool = False,
    dry_run: bool = False,
    allow_reimport: bool = False,
) -> SurveyImport:
    """Whole import from a path, synchronously (management command, demo, benchmark)."""
    with open(path, "rb") as fh:
        imp = survey_import_create(
            round=round,
            survey=survey,
            fileobj=fh,
            name=os.path.basename(path),
            user=user,
            allow_reimport=allow_reimport,
            enqueue=False,
        )
    return survey_import_run(import_id=imp.id, user=user, accept_invalid=accept_invalid, dry_run=dry_run)


def survey_import_run(*, import_id: int, user: User | None, accept_invalid: bool, dry_run: bool) -> SurveyImport:
    imp = survey_import_preview(import_id=import_id)
    if imp.status != ImportStatus.PREVIEW:
        return imp
    if dry_run:
        survey_import_discard(import_id=imp.id)
        return imp
    try:
        return survey_import_confirm(import_id=imp.id, user=user, accept_invalid=accept_invalid)
    except ImportRefused:
        survey_import_discard(import_id=imp.id)  # not confirmed: keep nothing of it
        raise


def survey_import_discard(*, import_id: int) -> None:
    """Forget a previewed import entirely (dry runs): rows, file and record."""
    with transaction.atomic():
        # Lock: a confirmation racing the discard must see the import either whole or gone.
        imp = SurveyImport.objects.select_for_update().get(pk=import_id)
        if imp.status not in (ImportStatus.PREVIEW, ImportStatus.REJECTED, ImportStatus.CANCELLED):
            raise ImportRefused(_("Only an import that was not confirmed can be discarded."))
        _discard_rows(import_id)
        if imp.file:
            imp.file.delete(save=False)
        imp.delete()
