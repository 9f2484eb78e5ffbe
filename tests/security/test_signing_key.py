"""An install given no signing key makes one of its own on its first start, beside its SQLite
file, so a token signed with a key anyone could read in the source is refused; production
still demands ATTUNE_JWT_KEYS."""

import stat
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jose import jwt
from pydantic import ValidationError

from api.kernel.config import Settings
from api.kernel.db import migrate
from api.main import create_app
from api.security.install_key import install_keyring
from tests.factories import bearer, register
from tests.mailbox import SmtpServer
from tests.support import make_settings

# The key every development server signed with until each install made its own.
PUBLISHED_KEY = ("dev-1", "attune-development-signing-key-do-not-use-in-production")


def _install(directory: Path) -> str:
    directory.mkdir()
    url = f"sqlite:///{directory / 'attune.db'}"
    migrate(url)
    return url


def _given_no_key(database_url: str, smtp_port: int) -> Settings:
    """The tests' settings, but with ATTUNE_JWT_KEYS left out, as on a developer's machine."""
    values = make_settings(database_url, smtp_port).model_dump(exclude={"jwt_keys"})
    return Settings.model_validate(values)


def _signed_with(token: str, kid: str, secret: str) -> dict[str, str]:
    """The same claims as `token`, signed with another key."""
    claims = jwt.get_unverified_claims(token)
    forged = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid, "typ": "at+jwt"})
    return {"Authorization": f"Bearer {forged}"}


def test_an_install_signs_with_a_key_of_its_own(tmp_path: Path, smtp: SmtpServer) -> None:
    one, two = _install(tmp_path / "one"), _install(tmp_path / "two")
    with TestClient(create_app(_given_no_key(one, smtp.port))) as client:
        tokens = register(client)
        assert client.get("/v1/me", headers=bearer(tokens)).status_code == 200
        published = _signed_with(tokens["access_token"], *PUBLISHED_KEY)
        assert client.get("/v1/me", headers=published).status_code == 401
    key_file = tmp_path / "one" / "attune.db.jwt-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 32
    with TestClient(create_app(_given_no_key(one, smtp.port))) as client:
        # Started again, the install keeps its key: the tokens it signed still hold.
        assert client.get("/v1/me", headers=bearer(tokens)).status_code == 200
    with TestClient(create_app(_given_no_key(two, smtp.port))):
        assert (tmp_path / "two" / "attune.db.jwt-key").read_text() != key_file.read_text()


def test_workers_starting_at_once_share_one_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'attune.db'}"
    keys: list[dict[str, str]] = []
    start = threading.Barrier(8)

    def start_worker() -> None:
        start.wait()
        keys.append(install_keyring(url))

    workers = [threading.Thread(target=start_worker) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(keys) == 8 and all(key == keys[0] for key in keys)
    assert [path.name for path in tmp_path.iterdir()] == ["attune.db.jwt-key"]


@pytest.mark.parametrize("database_url", ["sqlite:///./attune.db", "postgresql+psycopg://db/a"])
def test_production_still_requires_keys(database_url: str) -> None:
    with pytest.raises(ValidationError, match="jwt_keys\n.*is required in production"):
        Settings(env="production", database_url=database_url, mail_backend="smtp")


def test_without_a_file_the_key_is_the_process_own() -> None:
    """PostgreSQL outside production (the worker, a quick local run): no file to keep a key
    beside, so a random one that ends with the process; never one anybody could know."""
    first, second = install_keyring("postgresql+psycopg://db/a"), install_keyring("sqlite://")
    assert first != second and all(len(key) >= 32 for key in [*first.values(), *second.values()])
