"""Compute a round's index from the command line: ``manage.py compute_index --round 2021 [--publish]``."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessments.models import Round
from parindex.models import User
from rankings import services
from rankings.models import IndexRun, RunStatus
from rankings.tasks import index_run_task


class Command(BaseCommand):
    help = "Compute the index of a round (in this process, through the index task) and optionally publish it."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True, help="year of the round")
        parser.add_argument("--publish", action="store_true", help="publish the run once computed")
        parser.add_argument(
            "--reason",
            default="",
            help="why the run is published although the publication check lists something (required then)",
        )

    def handle(self, *args, round: int, publish: bool, reason: str = "", **options):
        rnd = Round.objects.filter(year=round).first()
        if rnd is None:
            raise CommandError(f"No round for the year {round}.")
        run, _created = services.index_run_create(round=rnd, trigger="command", enqueue=False)
        index_run_task.apply(args=[run.pk], throw=True)
        run = IndexRun.objects.get(pk=run.pk)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"Run #{run.pk} did not succeed: {run.error}")
        self.stdout.write(f"Run #{run.pk} of {rnd.year}: {run.units_count} units, digest {run.digest}.")
        if publish:
            admin = (
                User.objects.filter(is_superuser=True).order_by("pk").first()
                or User.objects.filter(is_par_admin=True).order_by("pk").first()
            )
            if admin is None:
                raise CommandError("No administrator account to publish as.")
            try:
                services.index_run_publish(run=run, user=admin, confirmed=True, reason=reason)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            self.stdout.write(f"Run #{run.pk} published.")
