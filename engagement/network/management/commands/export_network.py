from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from engagement.network.interchange import LAYOUTS, network_export


class Command(BaseCommand):
    help = (
        "Export the network directory in the import format: one JSON document (default) or "
        "a zip of CSV files (--layout csv). import_network reads the result back."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--layout", choices=LAYOUTS, default="json")
        parser.add_argument("-o", "--output", help="file to write (default: stdout, for JSON only)")

    def handle(self, *args: Any, **options: Any) -> None:
        export = network_export(layout=options["layout"])
        for warning in export.warnings:
            self.stderr.write(f"warning: {warning}")
        if options["output"]:
            try:
                Path(options["output"]).write_bytes(export.content)
            except OSError as error:
                raise CommandError(f"cannot write {options['output']}: {error.strerror}") from None
            self.stderr.write(f"Wrote {len(export.content)} bytes to {options['output']}.")
        elif options["layout"] == "csv":
            raise CommandError("a zip goes to a file: give --output network.zip")
        else:
            self.stdout.write(export.content.decode(), ending="")
