"""Remove stored files that no row refers to (a worker killed between writing a file and committing its row)."""

from datetime import timedelta

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import models
from django.utils import timezone

PROJECT_APPS = ("parindex", "assessments", "surveys", "rankings")


def file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    found = []
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            found.extend((model, f) for f in model._meta.get_fields() if isinstance(f, models.FileField))
    return found


def _walk(storage, directory: str):
    dirs, files = storage.listdir(directory)
    for name in files:
        yield f"{directory}/{name}"
    for sub in dirs:
        yield from _walk(storage, f"{directory}/{sub}")


def orphan_files(*, older_than: timedelta) -> list[str]:
    """Names of stored files under the upload folders of the project's file fields that no row names.

    Only files older than ``older_than`` are listed: a file written a moment ago may belong to a
    transaction that has not committed yet (uploads store the file first, then the row).
    """
    fields = file_fields()
    roots = sorted({str(f.upload_to).split("/", 1)[0] for _, f in fields if isinstance(f.upload_to, str)})
    referenced: set[str] = set()
    for model, field in fields:
        referenced.update(model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True))
    cutoff = timezone.now() - older_than
    orphans = []
    for root in roots:
        if not default_storage.exists(root):
            continue
        for name in _walk(default_storage, root):
            if name not in referenced and default_storage.get_modified_time(name) < cutoff:
                orphans.append(name)
    return orphans


class Command(BaseCommand):
    help = "Delete uploaded files (evidence, survey spreadsheets) that no database row refers to."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age-minutes",
            type=int,
            default=60,
            help="leave younger files alone (their upload may still be committing)",
        )
        parser.add_argument("--dry-run", action="store_true", help="list the files without deleting them")

    def handle(self, *args, min_age_minutes: int, dry_run: bool, **options):
        orphans = orphan_files(older_than=timedelta(minutes=min_age_minutes))
        for name in orphans:
            self.stdout.write(name)
            if not dry_run:
                default_storage.delete(name)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {len(orphans)} orphan file(s)")
