"""python manage.py framework_import --round YEAR --group CODE FILE [--replace]: all or nothing."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import Framework, RankingGroup, Round
from assessments.services.frameworks import FrameworkError, framework_import


class Command(BaseCommand):
    help = "Import a framework from an .xlsx spreadsheet; nothing is stored unless the whole file is valid."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True)
        parser.add_argument("--group", required=True)
        parser.add_argument("--replace", action="store_true", help="replace the framework's existing nodes")
        parser.add_argument("--title", default="", help="title of a framework created by the import")
        parser.add_argument(
            "--targets",
            default="100,60,16,24",
            help="targets of a framework created by the import: total,self,cs_survey,sipas (default 100,60,16,24)",
        )
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            round_ = Round.objects.get(year=options["round"])
            group = RankingGroup.objects.get(code=options["group"])
        except (Round.DoesNotExist, RankingGroup.DoesNotExist):
            raise CommandError(
                _("Unknown round %(year)s or group “%(group)s”.")
                % {"year": options["round"], "group": options["group"]}
            ) from None
        try:
            total, self_, cs, sipas = (Decimal(v) for v in options["targets"].split(","))
        except (ValueError, InvalidOperation):
            raise CommandError(_("--targets must be four numbers: total,self,cs_survey,sipas.")) from None
        content = Path(options["file"]).read_bytes()
        try:
            with transaction.atomic():
                framework, _created = Framework.objects.get_or_create(
                    round=round_,
                    group=group,
                    defaults={
                        "title": options["title"] or f"Bộ tiêu chí {group.name} năm {round_.year}",
                        "target_total": total,
                        "target_self": self_,
                        "target_cs_survey": cs,
                        "target_sipas": sipas,
                    },
                )
                count = framework_import(framework=framework, content=content, replace=options["replace"])
        except FrameworkError as exc:
            for message in exc.errors:
                self.stderr.write(f"- {message}")
            raise CommandError(_("Nothing was imported: %(n)s errors.") % {"n": len(exc.errors)}) from None
        self.stdout.write(
            self.style.SUCCESS(_("Imported %(n)s nodes into “%(framework)s”.") % {"n": count, "framework": framework})
        )
