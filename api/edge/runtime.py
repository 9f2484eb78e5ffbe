"""What one running process (the API or the worker) holds: settings, database, keys, hasher,
limiter, mail, clock, catalog, the session cache and the ETag key. The edge builds it, as
the outermost ring: it wires every domain together."""

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from api.content.cache import CatalogCache
from api.edge.conditional import ETags, RenderedReads
from api.kernel.clock import Clock
from api.kernel.config import Settings
from api.kernel.db import Database, open_database
from api.security.install_key import install_keyring
from api.security.jwt import Keyring
from api.security.passwords import PasswordHasher
from api.security.rate_limit import RateLimiter
from api.security.session_cache import SessionCache
from api.services.accounts.sessions import TokenPolicy, live_sessions
from api.services.notifications.mail import MailCourier

# Bodies of hot reads kept per process, a few KB each: some 25 MB at most. More than the viewers
# a process serves: phones polling in turn through a smaller LRU would each find their body
# evicted (4,300 tokens in rotation through 2,048 bodies missed every time, bench/RESULTS.md).
RENDERED_READS_KEPT = 8192


@dataclass
class Runtime:
    settings: Settings
    database: Database
    tokens: TokenPolicy
    hasher: PasswordHasher
    limiter: RateLimiter
    mail: MailCourier
    clock: Clock
    catalog: CatalogCache
    session_cache: SessionCache
    etags: ETags
    rendered: RenderedReads

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> "Runtime":
        database = open_database(settings)
        clock = clock or Clock()
        keyring = Keyring(
            keys=dict(settings.jwt_keys) or install_keyring(settings.database_url),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        return cls(
            settings=settings,
            database=database,
            tokens=TokenPolicy(
                keyring=keyring,
                access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
                refresh_idle=timedelta(days=settings.refresh_idle_days),
                refresh_absolute=timedelta(days=settings.refresh_absolute_days),
                refresh_grace=timedelta(seconds=settings.refresh_grace_seconds),
            ),
            hasher=PasswordHasher(
                memory_kib=settings.argon2_memory_kib,
                time_cost=settings.argon2_time_cost,
                concurrency=settings.password_hash_concurrency,
            ),
            limiter=RateLimiter(settings.redis_url, settings.rate_limit_key_prefix),
            mail=MailCourier.from_settings(settings, database, clock),
            clock=clock,
            catalog=CatalogCache(
                database.reader, settings.content_cache_seconds, unchanged=database.commit_watch()
            ),
            session_cache=SessionCache(
                settings.session_recheck_seconds,
                database.feed,
                recheck=partial(live_sessions, database.reader),
                now=clock.now,
                unchanged=database.commit_watch(),
            ),
            # The newest signing key: the same in every process, private to the deployment.
            etags=ETags(keyring.keys[keyring.signing_kid]),
            rendered=RenderedReads(RENDERED_READS_KEPT),
        )

    def close(self) -> None:
        self.session_cache.close()
        self.database.dispose()
