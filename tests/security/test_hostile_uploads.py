"""The hostile corpus (tests/data/hostile) through every upload path: no 500, no row stored."""

import importlib
import pkgutil
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.data.hostile.make_corpus import CORPUS, MAX_BYTES
from tests.security.upload_paths import UPLOAD_PATHS, UploadPath

pytestmark = pytest.mark.django_db

CORPUS_DIR = Path(__file__).resolve().parents[1] / "data" / "hostile"
PROJECT_APPS = ("parindex", "assessments", "surveys", "rankings")


def test_corpus_files_are_present_and_small():
    for name in CORPUS:
        path = CORPUS_DIR / name
        assert path.exists(), f"{name} missing: run tests/data/hostile/make_corpus.py"
        assert path.stat().st_size <= MAX_BYTES, name


def row_counts() -> dict[str, int]:
    counts = {}
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            counts[model._meta.label] = model._default_manager.count()
    return counts


def stored_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def project_file_forms() -> set[type]:
    """Form classes of the project that have a FileField (imports every forms module first)."""
    for app in PROJECT_APPS:
        try:
            module = importlib.import_module(f"{app}.forms")
        except ModuleNotFoundError:
            continue
        if hasattr(module, "__path__"):
            for info in pkgutil.walk_packages(module.__path__, f"{app}.forms."):
                importlib.import_module(info.name)

    found, pending = set(), [forms.BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_APPS:
            fields = getattr(cls, "base_fields", {})
            if any(isinstance(f, forms.FileField) for f in fields.values()):
                found.add(cls)
    return found


def test_every_file_form_is_covered_by_an_upload_path():
    covered = {cls for path in UPLOAD_PATHS for cls in path.form_classes}
    missing = sorted(f"{c.__module__}.{c.__qualname__}" for c in project_file_forms() - covered)
    assert not missing, (
        f"Forms with a file field that no upload path lists: {missing}. Add the view that uses each to "
        "UPLOAD_PATHS in tests/security/upload_paths.py so the hostile corpus goes through it."
    )


CASES = [pytest.param(path, name, id=f"{path.label}-{name}") for path in UPLOAD_PATHS for name in sorted(CORPUS)]


@pytest.mark.parametrize(("path", "name"), CASES)
def test_hostile_file_is_refused_cleanly(
    path: UploadPath, name: str, world, settings, django_capture_on_commit_callbacks
):
    client = Client()
    url = reverse(path.url_name, kwargs=path.kwargs(world))
    files_before = stored_files(Path(settings.MEDIA_ROOT))
    with transaction.atomic():
        client.force_login(world.user(path.role))
        before = row_counts()
        upload = SimpleUploadedFile(name, (CORPUS_DIR / name).read_bytes())
        # Work deferred to after the commit (the survey preview task) runs too; a 500 raises here.
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {**path.data(world, name), path.field: upload})
        after = row_counts()
        transaction.set_rollback(True)
    assert response.status_code < 500
    if name in path.may_accept:
        return
    kept = {m._meta.label for m in path.may_keep}
    changed = {
        label: (before[label], after[label]) for label in before if before[label] != after[label] and label not in kept
    }
    assert not changed, f"{path.label} stored rows for {name} ({CORPUS[name]}): {changed}"
    if not kept:
        new_files = stored_files(Path(settings.MEDIA_ROOT)) - files_before
        assert not new_files, f"{path.label} left files behind for rejected {name}: {sorted(map(str, new_files))}"


@pytest.mark.parametrize("name", ["polyglot.pdf", "formula_cells.xlsx"])
def test_accepted_evidence_is_served_only_as_what_it_is(name, world):
    """A file the evidence check lets through is never rendered by the browser as a page of ParIndex."""
    client = Client()
    with transaction.atomic():
        client.force_login(world.user("officer_own"))
        upload = SimpleUploadedFile(name, (CORPUS_DIR / name).read_bytes())
        client.post(
            reverse("assessments:evidence_upload", kwargs={"pk": world.assessment_a.pk, "node_id": world.leaf.pk}),
            {"file": upload},
        )
        evidence = world.assessment_a.evidence_files.get(original_name=name)
        responses = [
            client.get(reverse(view, kwargs={"pk": world.assessment_a.pk, "evidence_id": evidence.pk}))
            for view in ("assessments:evidence_view", "assessments:evidence_download")
        ]
        transaction.set_rollback(True)
    for response in responses:
        assert response.status_code == 200
        assert "html" not in response["Content-Type"] and "svg" not in response["Content-Type"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "script-src 'self'" in response["Content-Security-Policy"]
    assert responses[1]["Content-Disposition"].startswith("attachment")
