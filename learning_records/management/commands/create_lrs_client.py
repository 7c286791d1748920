from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from engagement.network.services import organisation_get_or_create
from learning_records.models import Scope
from learning_records.services import lrs_client_create


class Command(BaseCommand):
    help = (
        "Create an LRS client (an LMS's xAPI credentials) for an organisation, creating the "
        "organisation if it is new. Prints the key and secret once: only a hash is kept."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", help="what the client is, e.g. 'Moodle of Vaasa UAS'")
        parser.add_argument("--organisation", required=True, help="the organisation's name")
        parser.add_argument("--key", help="the Basic user name (default: random)")
        parser.add_argument("--secret", help="the Basic password (default: random, 43 chars)")
        parser.add_argument(
            "--scopes",
            nargs="+",
            default=[Scope.ALL.value],
            choices=Scope.values,
            help="xAPI scopes (default: all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organisation, created = organisation_get_or_create(name=options["organisation"])
            client, secret = lrs_client_create(
                organisation=organisation,
                name=options["name"],
                key=options["key"],
                secret=options["secret"],
                scopes=options["scopes"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if created:
            self.stdout.write(f"Created organisation {organisation.name_en} ({organisation.slug}).")
        self.stdout.write(f"Created LRS client {client.name} for {organisation.name_en}.")
        self.stdout.write(f"  key:    {client.key}")
        self.stdout.write(f"  secret: {secret}")
        self.stdout.write("The secret is not shown again; store it in the LMS's xAPI settings now.")
