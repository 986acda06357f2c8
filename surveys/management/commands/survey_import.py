from django.core.management.base import BaseCommand, CommandError

from assessments.models import Round
from surveys.models import ImportStatus
from surveys.services.imports import ImportRefused, survey_import_file


class Command(BaseCommand):
    help = "Import a SIPAS or civil-servant survey file (.xlsx/.csv) into a round: preview, then confirm."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True, help="year of the round")
        parser.add_argument("--survey", choices=["sipas", "cs"], required=True)
        parser.add_argument("file")
        parser.add_argument(
            "--accept-invalid", action="store_true", help="confirm even with invalid forms (stored, not scored)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file and report; store nothing")
        parser.add_argument("--reimport", action="store_true", help="allow a file that was imported before")

    def handle(self, *args, **opts):
        try:
            round_ = Round.objects.get(year=opts["round"])
        except Round.DoesNotExist as exc:
            raise CommandError(f"No round {opts['round']}.") from exc
        try:
            imp = survey_import_file(
                round=round_,
                survey=opts["survey"],
                path=opts["file"],
                user=None,
                accept_invalid=opts["accept_invalid"],
                dry_run=opts["dry_run"],
                allow_reimport=opts["reimport"],
            )
        except ImportRefused as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        if imp.status in (ImportStatus.REJECTED, ImportStatus.FAILED):
            raise CommandError(f"File refused: {imp.error}")
        self.stdout.write(f"{imp.rows_total} forms: {imp.rows_valid} valid, {imp.rows_invalid} invalid.")
        for p in imp.problems[:50]:
            self.stdout.write(f"  row {p['row']} column {p['column']} value {p['value']!r}: {p['reason']}")
        total = imp.summary.get("problems_total", 0)
        if total > 50:
            self.stdout.write(f"  … {total - 50} more problems.")
        if opts["dry_run"]:
            self.stdout.write("Dry run: nothing stored.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Import #{imp.pk} confirmed for {round_} ({imp.get_survey_display()}).")
            )
