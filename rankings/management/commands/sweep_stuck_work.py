"""Fail survey imports and index runs whose worker died (Celery beat runs the same sweep every minute)."""

from django.core.management.base import BaseCommand

from rankings.tasks import sweep_stuck_work


class Command(BaseCommand):
    help = "Mark imports and runs whose worker stopped beating as failed, so an admin can retry them."

    def handle(self, *args, **options):
        swept = sweep_stuck_work()
        self.stdout.write(
            f"failed {len(swept['runs'])} run(s) {swept['runs']} and {len(swept['imports'])} import(s) {swept['imports']}"
        )
