"""python manage.py framework_check --round YEAR --group GROUP_CODE [--json]: validate a framework."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessments.models import Framework
from assessments.validation import fmt, validate_framework


def get_framework(year: int, group: str) -> Framework:
    try:
        return Framework.objects.select_related("round", "group").get(round__year=year, group__code=group)
    except Framework.DoesNotExist:
        raise CommandError(
            _("No framework for round %(year)s and group “%(group)s”.") % {"year": year, "group": group}
        ) from None


class Command(BaseCommand):
    help = "Check that a framework adds up (DESIGN §1); exit status 1 when it does not."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True, help="round year, e.g. 2021")
        parser.add_argument("--group", required=True, help="ranking group code, e.g. department")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        framework = get_framework(options["round"], options["group"])
        report = validate_framework(framework)
        if options["json"]:
            self.stdout.write(report.as_json())
        else:
            self.stdout.write(str(framework))
            self.stdout.write(
                _("%(d)s domains, %(c)s criteria, %(s)s sub-criteria, %(l)s scored nodes; total %(t)s")
                % {
                    "d": report.domains,
                    "c": report.criteria,
                    "s": report.sub_criteria,
                    "l": report.leaves,
                    "t": fmt(report.max_total),
                }
            )
            for source, total in report.by_source.items():
                self.stdout.write(f"  {source}: {fmt(total)}")
            for error in report.errors:
                self.stderr.write(f"- {error}")
            if not report.errors:
                self.stdout.write(self.style.SUCCESS(_("The framework is valid.")))
        if report.errors:
            raise SystemExit(1)
