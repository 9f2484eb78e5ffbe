"""Settings fail fast on what would be unsafe in production."""

import json

import pytest
from pydantic import ValidationError

from api.kernel.config import Settings, SettingsInvalid, get_settings, load_settings

STRONG = {"prod-1": "p" * 48}


def test_production_refuses_console_mail() -> None:
    with pytest.raises(ValidationError, match="console mail is refused"):
        Settings(env="production", jwt_keys=STRONG, mail_backend="console")


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="shorter than 32 bytes"):
        Settings(jwt_keys={"k": "too-short"})


def test_keyring_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTUNE_JWT_KEYS", json.dumps({"a": "a" * 32, "b": "b" * 32}))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/attune")
    settings = Settings()
    assert list(settings.jwt_keys) == ["a", "b"]
    assert settings.database_url == "postgresql+psycopg://db/attune"
    assert settings.migrate_on_start is False


def test_defaults_run_embedded() -> None:
    settings = Settings()
    assert settings.is_sqlite and settings.migrate_on_start


@pytest.mark.parametrize("origin", ["*", "https://app.example.com/", "app.example.com"])
def test_cors_origins_are_exact(origin: str) -> None:
    with pytest.raises(ValidationError, match="CORS origin"):
        Settings(cors_origins=[origin])


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "ATTUNE_CORS_ORIGINS", '["https://app.example.com", "http://localhost:3000"]'
    )
    assert Settings().cors_origins == ["https://app.example.com", "http://localhost:3000"]


def test_production_requires_a_keyring() -> None:
    with pytest.raises(ValidationError, match="is required in production"):
        Settings(env="production", mail_backend="smtp")


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "ATTUNE_ENV": "production",
        "ATTUNE_JWT_KEYS": '{"k": "not-long-enough"}',
        "ATTUNE_DB_POOL_SIZE": "many",
        "ATTUNE_NOTIFY_TRANSPORT": "webhook",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with pytest.raises(SettingsInvalid) as refused:
        load_settings()
    get_settings.cache_clear()
    assert [problem.split(":")[0] for problem in refused.value.problems] == [
        "ATTUNE_DB_POOL_SIZE",
        "ATTUNE_JWT_KEYS",
        "ATTUNE_MAIL_BACKEND",
        "ATTUNE_NOTIFY_WEBHOOK_URL",
        "ATTUNE_NOTIFY_WEBHOOK_SECRET",
    ]
    assert "not-long-enough" not in str(refused.value.problems)
