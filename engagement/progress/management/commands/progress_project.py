from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from engagement.progress.services import progress_project, progress_rebuild


class Command(BaseCommand):
    help = (
        "Project stored statements into learner progress now (Celery does it on its own; "
        "this is for operators and the demo). --rebuild forgets all progress and reads the "
        "whole log again, e.g. after milestone criteria were edited."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="recompute from scratch")

    def handle(self, *args: Any, **options: Any) -> None:
        run = progress_rebuild() if options["rebuild"] else progress_project()
        self.stdout.write(
            f"Projected {run.statements} statements; {run.enrolments_updated} enrolment "
            f"updates; {'caught up' if run.caught_up else 'more to do'}."
        )
