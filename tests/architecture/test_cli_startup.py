"""`kantmatch --help` starts quickly: the command line imports no heavy library at start-up.

Checked by what gets imported, not by a timing (timings belong in `make bench`).
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sklearn", "pandas", "numpy", "scipy", "fastapi", "sqlalchemy", "openpyxl", "rapidfuzz")


def test_importing_the_cli_loads_no_heavy_library() -> None:
    probe = f"import sys, service.cli\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert loaded == ""
