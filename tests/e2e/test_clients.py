"""Clients generated from openapi/openapi.json drive the whole couple story against a live
server: register two people, link them, get today's exercise, answer it both, see the reveal,
comment, and pull the changes. Generated code lives in the test's temporary folder only.

The Python client comes from openapi-python-client, installed into a virtual environment of
its own so its dependencies never touch the project's. The TypeScript one is typed by
openapi-typescript and called through openapi-fetch (clients/typescript), type-checked by tsc.
"""

import shutil
import sys
from pathlib import Path

import pytest

from tests.e2e.support import OPENAPI_JSON, REPO, end_to_end, run

pytestmark = end_to_end

GENERATOR = "openapi-python-client>=0.29,<0.30"
PYTHON_CLIENT = REPO / "clients" / "python"
TYPESCRIPT_CLIENT = REPO / "clients" / "typescript"
DONE = "the whole story went as documented"
# Installing the generator or the npm packages can take minutes on a cold cache.
INSTALL_SECONDS = 900
STORY_SECONDS = 300


def test_python_client_tells_the_story(live_server: str, content: None, tmp_path: Path) -> None:
    tools = tmp_path / "generator-venv"
    run([sys.executable, "-m", "venv", tools])
    pip = [tools / "bin" / "python", "-m", "pip", "install", "--quiet"]
    run([*pip, GENERATOR], timeout=INSTALL_SECONDS)
    generated = tmp_path / "generated"
    run(
        [
            tools / "bin" / "openapi-python-client",
            "generate",
            "--path", OPENAPI_JSON,
            "--config", PYTHON_CLIENT / "config.yaml",
            "--meta", "none",
            "--output-path", generated / "attune_client",
        ],
        # The generator formats its output with the ruff installed beside it.
        env={"PATH": f"{tools / 'bin'}:/usr/bin:/bin"},
    )  # fmt: skip
    told = run(
        [tools / "bin" / "python", PYTHON_CLIENT / "story.py"],
        env={"ATTUNE_BASE_URL": live_server, "PYTHONPATH": str(generated)},
        timeout=STORY_SECONDS,
    )
    assert DONE in told, told


@pytest.mark.skipif(
    not (shutil.which("npm") and shutil.which("node")),
    reason="needs Node.js 20+ and npm (CI has them)",
)
def test_typescript_client_tells_the_story(live_server: str, content: None, tmp_path: Path) -> None:
    # A copy laid out as in the repository (the package's scripts name ../../openapi), so two
    # test runs never share a node_modules/ and the work tree gets no generated file.
    package = tmp_path / "clients" / "typescript"
    shutil.copytree(TYPESCRIPT_CLIENT, package, ignore=shutil.ignore_patterns("node_modules"))
    (tmp_path / "openapi").mkdir()
    shutil.copy(OPENAPI_JSON, tmp_path / "openapi" / OPENAPI_JSON.name)
    npm = ["npm", "--no-audit", "--no-fund", "--loglevel=error"]
    run([*npm, "ci"], cwd=package, timeout=INSTALL_SECONDS)
    run([*npm, "run", "generate"], cwd=package)
    run([*npm, "run", "typecheck"], cwd=package)
    told = run(
        [*npm, "run", "story"],
        cwd=package,
        env={"ATTUNE_BASE_URL": live_server},
        timeout=STORY_SECONDS,
    )
    assert DONE in told, told
