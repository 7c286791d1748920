"""Imported first by the benchmark scripts that run inside Django (dataset.py, plans.py,
projection.py): the project on the path, its settings from the environment, apps ready."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django

django.setup()
