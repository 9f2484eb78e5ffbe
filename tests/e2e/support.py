"""What the end-to-end tests share: running them once per suite run, and running tools.

They drive real clients and a real browser against a live server, take a minute or two,
and test nothing that depends on the database engine: they run on SQLite only, so the
suite's second pass (PostgreSQL) does not pay for them again.
"""

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from tests.databases import ENGINE

REPO = Path(__file__).resolve().parents[2]
OPENAPI_JSON = REPO / "openapi" / "openapi.json"

end_to_end = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        ENGINE != "sqlite",
        reason="end-to-end tests run once per suite run, on SQLite (ATTUNE_TEST_DB=sqlite)",
    ),
]


def run(
    command: Sequence[str | Path],
    *,
    cwd: Path = REPO,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> str:
    """Runs a command to success and returns what it printed; all its output is shown when it
    fails."""
    started = time.monotonic()
    finished = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.monotonic() - started
    assert finished.returncode == 0, (
        f"`{' '.join(map(str, command))}` exited {finished.returncode} after {seconds:.0f} s\n"
        f"--- stdout\n{finished.stdout[-6000:]}\n--- stderr\n{finished.stderr[-6000:]}"
    )
    return finished.stdout
