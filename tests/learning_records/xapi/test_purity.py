"""learning_records/xapi is pure: importing it loads no Django (STYLE.md, "Pure cores")."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_it_imports_without_django() -> None:
    modules = sorted(path.stem for path in (ROOT / "learning_records" / "xapi").glob("*.py"))
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(f'learning_records.xapi.{{name}}')\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'django'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
