"""Look for active content (macros, DDE, external links, JavaScript) in evidence stored before the check existed."""

from django.core.management.base import BaseCommand

from assessments.active_content import scan_active_content
from assessments.models import EvidenceFile


class Command(BaseCommand):
    help = "Scan every stored evidence file for active content and record what is found, so readers are warned."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="files read per database query")

    def handle(self, *args, batch: int, **options):
        scanned = flagged = missing = 0
        last_id = 0
        while True:
            files = list(EvidenceFile.objects.filter(pk__gt=last_id).order_by("pk")[:batch])
            if not files:
                break
            for evidence in files:
                last_id = evidence.pk
                extension = evidence.original_name.rsplit(".", 1)[-1].lower() if "." in evidence.original_name else ""
                try:
                    with evidence.file.open("rb") as stream:
                        found = scan_active_content(stream, extension)
                except FileNotFoundError:
                    missing += 1
                    continue
                scanned += 1
                if found:
                    flagged += 1
                if found != evidence.active_content:
                    EvidenceFile.objects.filter(pk=evidence.pk).update(active_content=found)
        self.stdout.write(f"scanned {scanned}, with active content {flagged}, missing from storage {missing}")
