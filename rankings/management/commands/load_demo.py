"""python manage.py load_demo: the demo data (README, "Demo"), step by step.

Each step is a function returning a dict (``created``: how many objects it added); each is
idempotent, so running the command twice changes nothing the second time. A step whose module is
not part of this installation is reported and skipped.
"""

from contextlib import nullcontext
from importlib import import_module

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from rankings.receivers import recompute_paused

# Adding a step is one line: "module.path:function".
STEPS = [
    "assessments.demo:load_demo_base",
    "assessments.demo_assessments:load_demo_assessments",
    "surveys.demo:load_demo_surveys",
    "rankings.demo:load_demo_results",
    "rankings.demo_2025:load_demo_2025",
    "notifications.demo:load_demo_notifications",
]


def _resolve(step: str):
    module_path, func = step.split(":")
    try:
        module = import_module(module_path)
    except ModuleNotFoundError as exc:
        if exc.name == module_path:
            return None
        raise
    return getattr(module, func)


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        from assessments.demo import DEMO_PASSWORD, USERS

        changed = 0
        for step in STEPS:
            func = _resolve(step)
            if func is None:
                self.stdout.write(_("%(step)s: not installed, skipped") % {"step": step})
                continue
            # The demo finalises dozens of assessments; the index step computes each round once at the end.
            with recompute_paused() if not step.startswith("rankings.") else nullcontext():
                result = func() or {}
            created = int(result.get("created", 0)) if isinstance(result, dict) else 0
            changed += created
            self.stdout.write(_("%(step)s: %(n)s objects created") % {"step": step, "n": created})
        if not changed:
            self.stdout.write(_("The demo data was already loaded: nothing changed."))
        self.stdout.write("")
        self.stdout.write(_("Demo logins (password %(password)s):") % {"password": DEMO_PASSWORD})
        for username, full_name, _flags, unit in USERS:
            suffix = f" – {unit}" if unit else ""
            self.stdout.write(f"  {username:<10} {full_name}{suffix}")
