"""The hostile corpus (tests/data/hostile) through every upload path: no 500, no row stored."""

import importlib
import pkgutil
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.data.hostile.make_corpus import CORPUS, MAX_BYTES
from tests.security.upload_paths import UPLOAD_PATHS, UploadPath

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


@pytest.mark.skipif(not UPLOAD_PATHS, reason="no upload path exists yet")
@pytest.mark.parametrize(("path", "name"), CASES or [pytest.param(None, None, id="none")])
def test_hostile_file_is_refused_cleanly(path: UploadPath, name: str, world, settings):
    client = Client()
    client.force_login(world.user(path.role))
    url = reverse(path.url_name, kwargs=path.kwargs(world))
    before, files_before = row_counts(), stored_files(Path(settings.MEDIA_ROOT))
    upload = SimpleUploadedFile(name, (CORPUS_DIR / name).read_bytes())
    response = client.post(url, {**path.data(world), path.field: upload})  # raises on a 500
    assert response.status_code < 500
    if name in path.may_accept:
        return
    after = row_counts()
    kept = {m._meta.label for m in path.may_keep}
    changed = {label: (before[label], after[label]) for label in before if before[label] != after[label] and label not in kept}
    assert not changed, f"{path.label} stored rows for {name} ({CORPUS[name]}): {changed}"
    if not kept:
        new_files = stored_files(Path(settings.MEDIA_ROOT)) - files_before
        assert not new_files, f"{path.label} left files behind for rejected {name}: {sorted(map(str, new_files))}"
