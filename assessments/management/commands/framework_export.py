"""python manage.py framework_export --round YEAR --group CODE FILE: write a framework as .xlsx."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from assessments.management.commands.framework_check import get_framework
from assessments.services.frameworks import framework_export


class Command(BaseCommand):
    help = "Export a framework to an .xlsx spreadsheet, one row per node."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True)
        parser.add_argument("--group", required=True)
        parser.add_argument("file")

    def handle(self, *args, **options):
        framework = get_framework(options["round"], options["group"])
        Path(options["file"]).write_bytes(framework_export(framework=framework))
        self.stdout.write(
            _("Exported %(n)s nodes to %(file)s.") % {"n": framework.nodes.count(), "file": options["file"]}
        )
