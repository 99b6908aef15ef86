from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from steward.demo import DEMO_PASSWORD, STEWARDS, demo_loaded, load_demo


class Command(BaseCommand):
    help = "Load a demo community (stewards and cases in every state) unless it is already there."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_loaded():
            self.stdout.write("The demo community is already loaded.")
        else:
            load_demo()
            self.stdout.write(self.style.SUCCESS("Demo community loaded."))
        self.stdout.write(
            f"\nSign in at {settings.SITE_URL}/accounts/login/ as a demo steward:\n"
            f"  user name: {STEWARDS[0][0]} (admin) or {', '.join(s[0] for s in STEWARDS[1:])}\n"
            f"  password:  {DEMO_PASSWORD}\n"
            f"The public report form is at {settings.SITE_URL}/report/\n"
        )
