"""Refused settings never echo a value; the README's table lists every setting with its
default; `serve --help` shows the defaults."""

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.__main__ import EX_CONFIG, main
from api.kernel.config import Settings, get_settings, variable_name
from tests.operations.servers import ROOT

README = ROOT / "README.md"
# Read by the command line or by the libraries, not by Settings.
NOT_SETTINGS = {"PROMETHEUS_MULTIPROC_DIR", "WEB_CONCURRENCY"}


def secret(length: int) -> str:
    return secrets.token_urlsafe(length)[:length]


def refusal(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "api", "serve"],
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"} | env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_refused_start_never_shows_a_secret() -> None:
    short_key, long_key, password, webhook = secret(20), secret(48), secret(24), secret(16)
    cases = {
        # The two: a short key (pydantic echoed it whole), a good key with console
        # mail in production (pydantic echoed its last 21 characters).
        "short key": {"ATTUNE_ENV": "production", "ATTUNE_JWT_KEYS": f'{{"k": "{short_key}"}}'},
        "console mail": {
            "ATTUNE_ENV": "production",
            "ATTUNE_JWT_KEYS": f'{{"k": "{long_key}"}}',
            "DATABASE_URL": f"postgresql+psycopg://attune:{password}@db/attune",
            "ATTUNE_NOTIFY_TRANSPORT": "webhook",
            "ATTUNE_NOTIFY_WEBHOOK_URL": "https://push.example",
            "ATTUNE_NOTIFY_WEBHOOK_SECRET": webhook,
        },
        "broken JSON": {"ATTUNE_JWT_KEYS": f'{{"k": "{long_key}"'},
        "bad number": {"ATTUNE_SMTP_PASSWORD": password, "ATTUNE_DB_POOL_SIZE": short_key},
    }
    started = {name: refusal(env) for name, env in cases.items()}  # at once: each takes ~1 s
    said = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == EX_CONFIG, (name, err)
        said[name] = (out + err, err)
    for name, (everything, err) in said.items():
        for value in (short_key, long_key, password, webhook):
            pieces = {value[i : i + 5] for i in range(len(value) - 4)}
            leaked = [piece for piece in pieces if piece in everything]
            assert not leaked, f"{name}: {leaked} of a secret reached the output"
        assert "Traceback" not in everything and len(err.splitlines()) <= 6, err
    console_mail = said["console mail"][1]
    assert "ATTUNE_MAIL_BACKEND: console mail is refused in production" in console_mail
    assert "ATTUNE_NOTIFY_WEBHOOK_SECRET: must be at least 32 bytes" in console_mail
    assert "ATTUNE_JWT_KEYS: key 1 is shorter than 32 bytes" in said["short key"][1]
    assert "ATTUNE_JWT_KEYS: is not valid JSON" in said["broken JSON"][1]
    assert "ATTUNE_DB_POOL_SIZE: " in said["bad number"][1]


def configuration_table() -> dict[str, str]:
    """{variable: default cell} from the README's "Configuration" table; a row may name
    several, e.g. `ATTUNE_SMTP_HOST` / `_PORT` (a suffix replaces as many words of the
    first name)."""
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([A-Z0-9_]+)`", cells[0])
        first = names[0]
        for name in names:
            if name.startswith("_"):
                words = name.count("_")
                name = "_".join(first.split("_")[:-words]) + name
            rows[name] = cells[1] if len(names) == 1 else ""
    return rows


def test_the_readme_lists_every_setting_and_its_default() -> None:
    table = configuration_table()
    expected = {variable_name(field) for field in Settings.model_fields}
    assert set(table) - NOT_SETTINGS == expected
    for field, info in Settings.model_fields.items():
        cell = table[variable_name(field)]
        shown = re.fullmatch(r"`([^`]*)`", cell)
        if shown is None or info.default is None or callable(info.default_factory):
            continue
        default = info.default.value if hasattr(info.default, "value") else info.default
        if isinstance(default, bool):
            assert shown.group(1) == str(default).lower(), field
        elif isinstance(default, int | float):
            assert float(shown.group(1)) == default, field
        else:
            assert shown.group(1) == str(default), field


def test_serve_help_shows_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    shown = capsys.readouterr().out
    assert "(default: 127.0.0.1)" in shown and "(default: 8000)" in shown
    assert "(default: 1)" in shown or "(default: " in shown.split("--workers", 2)[-1]


def test_the_container_stops_as_it_should() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    last = [line for line in dockerfile.splitlines() if re.match(r"(CMD|ENTRYPOINT)\b", line)]
    assert last, "the image says what it runs"
    for line in last:
        form = line.split(None, 1)[1]
        assert form.startswith("["), f"exec form, so the server is PID 1: {line}"
        assert not re.match(r'\[\s*"(sh|bash|/bin/sh)"', form), line
    start = (ROOT / "scripts" / "container-start.sh").read_text().strip().splitlines()[-1]
    assert start.startswith("exec "), "the entrypoint becomes the server"
    assert "--require-hashes" in dockerfile, "the image installs the lock file"
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "node_modules", ".env", "*.db"} <= ignored
    compose = (ROOT / "compose.yaml").read_text()
    assert '"127.0.0.1:8000:8000"' in compose and '"8000:8000"' not in compose


def test_ci_and_the_image_install_one_lock_file() -> None:
    setup = (ROOT / "scripts" / "setup.sh").read_text()
    for lock in ("requirements/runtime.txt", "requirements/dev.txt"):
        text = (ROOT / lock).read_text()
        assert "--hash=sha256:" in text and "==" in text
        assert Path(lock).name in setup or lock in setup
    assert "requirements/runtime.txt" in (ROOT / "Dockerfile").read_text()


def test_setup_skips_pip_when_the_environment_is_current() -> None:
    marker = ROOT / ".venv" / ".attune-setup"
    if not marker.exists() or not marker.read_text().startswith("dev "):
        pytest.skip(".venv was not made by `scripts/setup.sh dev`")
    started = time.monotonic()
    done = subprocess.run(
        ["bash", "scripts/setup.sh", "dev"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "scripts/setup.sh: .venv is up to date"
    assert time.monotonic() - started < 5  # pip alone takes ~15 s to find nothing to do


@pytest.mark.parametrize(("workers", "memory"), [(1, "5"), (2, "0")])
def test_several_workers_on_sqlite_answer_nothing_from_memory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workers: int, memory: str
) -> None:
    # Processes on one SQLite file hear nothing of one another's writes or revocations.
    served: list[str | None] = []
    monkeypatch.setattr(
        "api.__main__.uvicorn.run",
        lambda *_, **__: served.append(os.environ.get("ATTUNE_SESSION_RECHECK_SECONDS")),
    )
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'attune.db'}")
    monkeypatch.setenv("ATTUNE_JWT_KEYS", '{"test-1": "' + "t" * 40 + '"}')
    # Set here, so that monkeypatch takes back what serve writes (a delenv of an unset
    # variable would take back nothing, and the memory would stay off for later tests).
    monkeypatch.setenv("ATTUNE_SESSION_RECHECK_SECONDS", "5")
    get_settings.cache_clear()
    try:
        assert main(["serve", "--workers", str(workers)]) == 0
    finally:
        get_settings.cache_clear()
    assert served == [memory]
