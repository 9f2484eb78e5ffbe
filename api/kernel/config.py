"""Settings, read once from the environment (prefix ATTUNE_, plus DATABASE_URL and REDIS_URL)."""

import json
import re
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

MIN_KEY_BYTES = 32
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class MailBackend(StrEnum):
    console = "console"
    smtp = "smtp"


class NotifyTransport(StrEnum):
    log = "log"
    webhook = "webhook"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATTUNE_", extra="ignore", frozen=True)

    env: Environment = Environment.development
    database_url: str = Field(
        default="sqlite:///./attune.db",
        validation_alias=AliasChoices("DATABASE_URL", "ATTUNE_DATABASE_URL"),
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "ATTUNE_REDIS_URL")
    )
    auto_migrate: bool | None = Field(
        default=None,
        description="Apply migrations when serving; defaults to on for SQLite, off otherwise.",
    )
    # Connections per process; README "Database connections" gives the formula.
    db_pool_size: int = Field(default=10, ge=2)
    # Behind PgBouncer in transaction mode: LISTEN needs a direct connection to PostgreSQL,
    # and prepared statements need PgBouncer >= 1.21 or turning them off.
    listen_database_url: str | None = None
    db_prepared_statements: bool = True
    # How long `serve` lets requests in flight finish after SIGTERM or SIGINT.
    shutdown_grace_seconds: float = Field(default=10, gt=0)
    # SQLite runs one write at a time: this many write requests may wait for it, each at
    # most this long; one more, or a longer wait, is refused with 503 and Retry-After. Keep
    # the queue well under the threadpool's 40 threads: each waiter blocks one.
    sqlite_write_queue: int = Field(default=16, ge=0)
    sqlite_write_wait_seconds: float = Field(default=3, gt=0)

    # Tokens. The keyring is a JSON object {kid: secret}; the last entry signs, all verify.
    # Left out (never in production): a key of the install (api/security/install_key.py).
    jwt_keys: Annotated[dict[str, str], Field(default_factory=dict, validate_default=True)]
    jwt_issuer: str = "attune"
    jwt_audience: str = "attune-api"
    access_token_ttl_seconds: int = 600
    refresh_idle_days: int = 30
    refresh_absolute_days: int = 90
    # A refresh token presented again this soon after its rotation gets a pair of the same
    # login, as from two tabs refreshing at once; later, reuse revokes the login (SPEC.md §2).
    refresh_grace_seconds: int = Field(default=30, ge=0)
    # A session check answered from memory is made again from the database this often at least,
    # whatever the change feed said (api/security/session_cache.py); 0 turns the memory off.
    session_recheck_seconds: float = Field(default=5, ge=0)
    password_reset_ttl_minutes: int = 20
    email_verification_ttl_hours: int = 48

    # Argon2id; OWASP's m=19 MiB, t=2, p=1. Tests lower these, nothing else should.
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2
    password_hash_concurrency: int = 2

    # Rate limits, in the `limits` library's notation.
    login_limit_per_account: str = "10/15minutes"
    login_limit_per_address: str = "30/minute"
    register_limit_per_address: str = "20/hour"
    reset_limit_per_account: str = "3/hour"
    reset_limit_per_address: str = "10/hour"
    verification_limit_per_account: str = "5/hour"
    join_limit_per_user: str = "10/hour"
    join_limit_per_address: str = "30/hour"
    invite_limit_per_user: str = "20/hour"
    # Every request under /v1: per address, and per credential (a user's sessions share one).
    api_limit_per_address: str = "1200/minute"
    api_limit_per_credential: str = "600/minute"
    # Keys in Redis start with this, so deployments sharing one Redis keep apart.
    rate_limit_key_prefix: str = Field(default="attune", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")

    # Seconds between keep-alive comments on event streams.
    events_ping_seconds: float = 15.0

    # Couples.
    invite_ttl_hours: int = 48
    invite_link_base: str = "https://app.attune.invalid/join"

    # Mail.
    mail_backend: MailBackend = Field(default=MailBackend.console, validate_default=True)
    mail_from: str = "Attune <no-reply@attune.invalid>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # Where the app opens mailed links; tokens travel in the fragment, never sent to a server.
    app_link_base: str = "https://app.attune.invalid"

    # How long a process may serve content without seeing another process's content writes.
    content_cache_seconds: float = Field(default=30, ge=0)

    # Request hardening (OWASP API4, API8).
    max_body_bytes: int = Field(default=262144, ge=1)
    # Browser origins allowed to call the API, e.g. ["https://app.example.com"]; none by default.
    cors_origins: list[str] = Field(default_factory=list)

    # Notifications, delivered by `python -m api worker`.
    notify_transport: NotifyTransport = NotifyTransport.log
    notify_webhook_url: str | None = Field(
        default=None, pattern=r"^https?://", validate_default=True
    )
    notify_webhook_secret: str | None = Field(default=None, validate_default=True)
    notify_webhook_timeout_seconds: float = Field(default=5, gt=0)
    notify_max_attempts: int = Field(default=8, ge=1)
    # The first retry waits this long; each next one twice as long as the one before.
    notify_backoff_seconds: float = Field(default=30, gt=0)
    notify_batch_size: int = Field(default=20, ge=1)
    # How long a worker holds the rows it took; past it another worker may take them again,
    # which is how a crashed worker's rows get delivered.
    notify_lease_seconds: float = Field(default=300, gt=0, validate_default=True)

    log_level: str = "INFO"

    @field_validator("jwt_keys", mode="before")
    @classmethod
    def _parse_keyring(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, origins: list[str]) -> list[str]:
        # Browsers send exactly scheme://host[:port]; anything else (a "*", a trailing slash,
        # a path) would either open the API to every site or silently never match.
        for position, origin in enumerate(origins, start=1):
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(f"CORS origin {position} is not of the form https://host[:port]")
        return origins

    # Each check below belongs to one setting and reads only those defined before it, so a
    # refused start reports every problem at once, field errors included. No message holds a
    # value: they are printed when the start is refused, and values are secrets.

    @field_validator("jwt_keys")
    @classmethod
    def _strong_keys(cls, keys: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        # Left out, a key of the install signs: never in production, where every process
        # must share the keyring.
        if not keys and _in_production(info):
            raise ValueError("is required in production")
        short = [
            str(n) for n, key in enumerate(keys.values(), 1) if len(key.encode()) < MIN_KEY_BYTES
        ]
        if short:
            raise ValueError(f"key {', '.join(short)} is shorter than {MIN_KEY_BYTES} bytes")
        return keys

    @field_validator("mail_backend")
    @classmethod
    def _real_mail_in_production(cls, backend: MailBackend, info: ValidationInfo) -> MailBackend:
        if _in_production(info) and backend is MailBackend.console:
            raise ValueError("console mail is refused in production")
        return backend

    @field_validator("notify_webhook_url")
    @classmethod
    def _webhook_url(cls, url: str | None, info: ValidationInfo) -> str | None:
        if _webhook(info) and not url:
            raise ValueError("is needed by the webhook transport")
        return url

    @field_validator("notify_webhook_secret")
    @classmethod
    def _webhook_secret(cls, secret: str | None, info: ValidationInfo) -> str | None:
        if _webhook(info) and len((secret or "").encode()) < MIN_KEY_BYTES:
            raise ValueError(f"must be at least {MIN_KEY_BYTES} bytes")
        return secret

    @field_validator("notify_lease_seconds")
    @classmethod
    def _lease_outlasts_a_batch(cls, lease: float, info: ValidationInfo) -> float:
        # A batch still being delivered when its lease ends would be taken and sent again.
        batch = info.data.get("notify_batch_size", 0) * info.data.get(
            "notify_webhook_timeout_seconds", 0
        )
        if batch >= lease:
            raise ValueError("must exceed the batch size times the webhook timeout")
        return lease

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def migrate_on_start(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate


def _in_production(info: ValidationInfo) -> bool:
    return info.data.get("env") is Environment.production


def _webhook(info: ValidationInfo) -> bool:
    return info.data.get("notify_transport") is NotifyTransport.webhook


@lru_cache
def get_settings() -> Settings:
    return Settings()


class SettingsInvalid(Exception):
    """The environment's settings cannot be used; `problems` says why, one line each, and
    never quotes a value."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings() -> Settings:
    """The settings, or SettingsInvalid: what a command checks before anything else."""
    try:
        return get_settings()
    except ValidationError as exc:
        raise SettingsInvalid([_problem(error) for error in exc.errors()]) from None
    except SettingsError as exc:
        # pydantic-settings could not decode a JSON value; its message names the field only.
        field = _UNDECODABLE.search(str(exc))
        where = variable_name(field.group(1)) if field else "settings"
        raise SettingsInvalid([f"{where}: is not valid JSON"]) from None


_UNDECODABLE = re.compile(r'field "(\w+)"')
# Messages that never quote the input: our validators' own (written so), and choice lists.
_NEVER_QUOTE = frozenset({"value_error", "enum", "literal_error", "bool_parsing"})


def variable_name(field: str) -> str:
    """The environment variable a Settings field is read from."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"ATTUNE_{field.upper()}"


def _problem(error: Any) -> str:
    loc = error["loc"]
    if not loc:
        where = "settings"
    elif loc[0] in Settings.model_fields:
        where = variable_name(str(loc[0]))
    else:
        where = str(loc[0]).upper()  # an alias, e.g. DATABASE_URL
    message = str(error["msg"]).removeprefix("Value error, ")
    # Pydantic's own messages name the expected form, never the input; if one ever quoted
    # it, the line says less rather than leak a secret.
    quoted = _strings_in(error.get("input"))
    if error["type"] not in _NEVER_QUOTE and any(value in message for value in quoted):
        message = "is not valid"
    return f"{where}: {message}"


def _strings_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if len(value) >= 3 else []
    if isinstance(value, dict):
        return [s for item in value.items() for part in item for s in _strings_in(part)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings_in(item)]
    return []
