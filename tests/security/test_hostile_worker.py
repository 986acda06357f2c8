"""The hostile corpus read by a real Celery worker process: a file fails, the worker never dies.

The files are stored as imports directly (as if they had been uploaded before the upload checks
existed), so the worker's own guard is what stands between them and the parser: the streaming scan,
then parsing in a child under the memory cap.
"""

import uuid

import pytest
from django.core.files.base import ContentFile

from tests.data.hostile.make_corpus import CORPUS
from tests.security.faults import CeleryWorker, wait_for
from tests.security.test_hostile_uploads import CORPUS_DIR

pytestmark = [
    pytest.mark.services,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]

SPREADSHEETS = sorted(n for n in CORPUS if n.endswith((".xlsx", ".csv")))
DONE = ("rejected", "failed", "preview")


@pytest.fixture
def real_broker(require_redis):
    from parindex.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = eager


def _stored_imports(names, round_):
    from surveys.models import SurveyImport

    imports = {}
    for name in names:
        imp = SurveyImport(round=round_, survey="sipas", original_name=name, sha256=uuid.uuid4().hex)
        imp.file.save(name, ContentFile((CORPUS_DIR / name).read_bytes()), save=False)
        imp.save()
        imports[name] = imp
    return imports


def _run_through_worker(imports, broker, log_path, extra_env=None):
    from surveys.models import SurveyImport
    from surveys.tasks import survey_import_preview_task

    queue = f"hostile-{uuid.uuid4().hex}"
    worker = CeleryWorker(queues=queue, extra_env=extra_env).start(log_path)
    try:
        for imp in imports.values():
            survey_import_preview_task.apply_async(args=[imp.pk], queue=queue)
        ids = [imp.pk for imp in imports.values()]
        wait_for(
            lambda: set(SurveyImport.objects.filter(pk__in=ids).values_list("status", flat=True)) <= set(DONE),
            timeout=180,
            interval=0.5,
            what="every hostile file to be read or refused",
        )
        alive = worker.process.poll() is None
        return {name: SurveyImport.objects.get(pk=imp.pk) for name, imp in imports.items()}, alive, worker.log()
    finally:
        worker.stop()
        with broker.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)


@pytest.mark.django_db(transaction=True)
def test_every_hostile_spreadsheet_is_refused_by_a_real_worker_that_survives(require_postgres, real_broker, tmp_path):
    from tests.factories import RankingGroupFactory, RoundFactory, UnitFactory, add_to_round
    from tests.surveys.factories import sipas_question

    round_ = RoundFactory(year=2021)
    add_to_round(round=round_, unit=UnitFactory(code="SNV", group=RankingGroupFactory()))
    sipas_question(round=round_, code="Q1", element=1)
    results, alive, log = _run_through_worker(_stored_imports(SPREADSHEETS, round_), real_broker, tmp_path / "w.log")
    assert alive, log[-3000:]
    for name, imp in results.items():
        assert imp.status in ("rejected", "failed"), f"{name}: {imp.status}"
        assert imp.error and "Traceback" not in imp.error
        assert imp.attempts == 1, f"{name} was delivered {imp.attempts} times"
    for name in ("far_cell.xlsx", "far_cell_within_limit.xlsx", "whole_sheet_dimension.xlsx"):
        assert results[name].status == "rejected", results[name].error


@pytest.mark.django_db(transaction=True)
def test_a_file_that_passes_the_checks_but_needs_too_much_memory_fails_only_its_child(
    require_postgres, real_broker, tmp_path
):
    from tests.factories import RankingGroupFactory, RoundFactory, UnitFactory, add_to_round
    from tests.surveys.factories import form_row, header_for, sipas_question, xlsx_bytes

    round_ = RoundFactory(year=2021)
    add_to_round(round=round_, unit=UnitFactory(code="SNV", group=RankingGroupFactory()))
    sipas_question(round=round_, code="S1", element=1)
    name = "hop-le.xlsx"
    (tmp_path / name).write_bytes(xlsx_bytes(header_for(["S1"]), [form_row("SNV", f"F{i}", [5]) for i in range(30000)]))
    from surveys.models import SurveyImport

    imp = SurveyImport(round=round_, survey="sipas", original_name=name, sha256=uuid.uuid4().hex)
    imp.file.save(name, ContentFile((tmp_path / name).read_bytes()), save=False)
    imp.save()
    # A cap far below what any parse needs (1 MB more than the worker holds): the child fails of it, wherever
    # its first allocation is refused (the parser: rejected for memory; its database connection: failed with
    # a reference); the worker goes on and nothing is staged.
    results, alive, log = _run_through_worker(
        {name: imp}, real_broker, tmp_path / "w.log", extra_env={"SPREADSHEET_MEMORY_LIMIT_BYTES": str(2**20)}
    )
    assert alive, log[-3000:]
    assert results[name].status in ("rejected", "failed"), (results[name].error, log[-3000:])
    assert results[name].attempts == 1
    from surveys.models import SurveyResponse

    assert not SurveyResponse.objects.filter(survey_import=imp).exists()
    # The control: the same file under the default cap is read completely.
    again = SurveyImport(round=round_, survey="sipas", original_name=name, sha256=uuid.uuid4().hex)
    again.file.save(name, ContentFile((tmp_path / name).read_bytes()), save=False)
    again.save()
    results, alive, log = _run_through_worker({name: again}, real_broker, tmp_path / "w2.log")
    assert alive and results[name].status == "preview" and results[name].rows_total == 30000, results[name].error
