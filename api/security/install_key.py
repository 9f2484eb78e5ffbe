"""The signing key of an install that was given none: made on its first start, kept beside
the SQLite file, so no two installs share one and reading the source forges no token."""

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

KEY_ID = "install"
KEY_SUFFIX = ".jwt-key"


def install_keyring(database_url: str) -> dict[str, str]:
    """{kid: secret} from `<database file>.jwt-key` (owner-only), made when missing; for a
    database with no file beside which to keep one (PostgreSQL, SQLite in memory), a key of
    this process alone, whose tokens end with it."""
    path = key_path(database_url)
    if path is None:
        return {KEY_ID: secrets.token_urlsafe(48)}
    if not path.exists():
        _create(path)
    return {KEY_ID: path.read_text(encoding="ascii").strip()}


def key_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).with_name(Path(url.database).name + KEY_SUFFIX)


def _create(path: Path) -> None:
    # Written aside, then linked into place, which fails if the file exists: workers starting
    # at once all end up with the one key, and none reads a half-written file.
    aside = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as aside_file:
            aside_file.write(secrets.token_urlsafe(48) + "\n")
        os.link(aside, path)
    except FileExistsError:
        pass  # another worker's key is in place: that one is used
    finally:
        aside.unlink()
