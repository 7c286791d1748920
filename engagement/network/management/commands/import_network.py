import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from engagement.network.interchange import ImportRefused, network_import

# Smaller files finish before a progress line would help.
PROGRESS_MIN_ROWS = 1000


class ProgressLine:
    """A textual progress bar: redrawn in place on a terminal, one line per tenth in a log."""

    def __init__(self, stream: OutputWrapper, minimum: int = PROGRESS_MIN_ROWS) -> None:
        self.stream, self.minimum = stream, minimum
        self.interactive = stream.isatty()
        self.shown: tuple[str, int] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if total < self.minimum:
            return
        tenth = done * 10 // total
        step = done * 100 // total if self.interactive else tenth
        if self.shown == (phase, step):
            return
        self.shown = (phase, step)
        bar = "#" * tenth + "-" * (10 - tenth)
        line = f"{phase:<8} [{bar}] {done * 100 // total:3d}%  {done}/{total} rows"
        end = "\n" if done == total or not self.interactive else ""
        self.stream.write(("\r" if self.interactive else "") + line, ending=end)
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import organisations, people, skills, pathways, enrolments, cohorts and consents from "
        "a JSON document, a zip of CSV files, or one <kind>.csv (docs/network-import.md). "
        "All or nothing: any bad row stops the import and every problem is listed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "file", help="the .json, .zip or <kind>.csv file; - reads JSON from stdin"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, then roll everything back"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            content = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {name}: {error.strerror}") from None
        try:
            result = network_import(
                filename="stdin.json" if name == "-" else name,
                content=content,
                dry_run=options["dry_run"],
                progress=ProgressLine(self.stderr),
            )
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(refused)) from None
        for kind, counts in result.as_dict()["counts"].items():
            if any(counts.values()):
                summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
                self.stdout.write(f"{kind}: {summary}")
        verb = "Checked (dry run, nothing stored)" if result.dry_run else "Imported"
        self.stdout.write(f"{verb}: {result.rows} rows from {name}.")
