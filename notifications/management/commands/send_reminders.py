"""Send the deadline reminders that are due; safe to run as often as wanted (from cron, e.g. hourly)."""

from django.core.management.base import BaseCommand

from notifications import services


class Command(BaseCommand):
    help = "Remind units of self-assessment and explanation deadlines (NOTIFY_DEADLINE_DAYS); never twice."

    def handle(self, *args, **options):
        count = services.reminders_send()
        self.stdout.write(
            f"reminders sent: {count.total} (self-assessment {count.self_assessment}, explanation {count.explanation})"
        )
