"""`kantmatch --help` starts quickly: the command line imports no heavy library at start-up.

Checked by what gets imported, not by a timing (timings belong in `make bench`:
benchmarks/bench_cli_startup.py times `kantmatch --help` beside `python -c pass`).
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sklearn", "pandas", "numpy", "scipy", "fastapi", "sqlalchemy", "openpyxl", "rapidfuzz")
# Issue 13: pydantic-settings alone took half a second, rich's help rendering a quarter.
AT_HELP = (*HEAVY, "pydantic", "pydantic_settings", "rich")


def loaded_after(code: str, names: tuple[str, ...]) -> list[str]:
    probe = (
        f"import sys\n{code}\n"
        f"print('LOADED=' + ','.join(m for m in {names!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("LOADED="))
    return [name for name in line.removeprefix("LOADED=").split(",") if name]


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert loaded_after("import service.cli", HEAVY) == []


def test_help_loads_neither_pydantic_nor_rich() -> None:
    code = "import service.cli\ntry:\n    service.cli.app(['--help'])\nexcept SystemExit:\n    pass"
    assert loaded_after(code, AT_HELP) == []
