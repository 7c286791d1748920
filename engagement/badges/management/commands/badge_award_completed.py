"""Award a badge class to everyone who completed its milestone (or pathway) before the badge
class existed: `manage.py badge_award_completed <badge class uuid>`."""

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from engagement.badges import selectors
from engagement.badges.services import badge_class_award_completed


class Command(BaseCommand):
    help = "Award a badge class to everyone who already completed what it is for."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("badge_class", help="the badge class's public uuid")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            public_id = uuid.UUID(options["badge_class"])
        except ValueError:
            raise CommandError(f"{options['badge_class']!r} is not a uuid") from None
        badge_class = selectors.badge_class_get(public_id=public_id)
        if badge_class is None:
            raise CommandError(f"no badge class {public_id}")
        made = badge_class_award_completed(badge_class=badge_class, now=timezone.now())
        self.stdout.write(f"{made} new assertions of {badge_class}")
