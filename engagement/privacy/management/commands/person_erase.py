"""manage.py person_erase <person id> --requested-by <username>: erase one person everywhere."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from engagement.privacy.erasure import person_erase


class Command(BaseCommand):
    help = "Erase a person everywhere (GDPR Art. 17); prints the erasure record's id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("person_id", type=int)
        parser.add_argument("--requested-by", required=True, help="the administrator's username")

    def handle(self, *args: Any, person_id: int, requested_by: str, **options: Any) -> None:
        requester = get_user_model().objects.filter(username=requested_by).first()
        if requester is None:
            raise CommandError(f"no user named {requested_by!r}")
        record = person_erase(person_id=person_id, requested_by=requester, now=timezone.now())
        if record is None:
            raise CommandError(f"no person with id {person_id} (already erased?)")
        self.stdout.write(f"erased: erasure {record.erasure_id}")
        for table, rows in record.counts.items():
            self.stdout.write(f"  {table}: {rows}")
