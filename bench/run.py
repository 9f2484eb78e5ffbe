"""One benchmark run: for each engine a freshly seeded database; for each worker count the
bare route, then every scenario against the API, each with a warm-up first."""

import json
import os
import secrets
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from api.kernel.config import get_settings
from api.security.jwt import Keyring
from bench.history import Cohort, Member
from bench.load import Load, Measurement, Request, prime, write_requests
from bench.report import BARE, ME_STEADY, ME_UNDER_LOGINS, Result
from bench.scenarios import LOGIN, ME, SCENARIOS, Context, Scenario, served_routes
from bench.seed import Dataset, fresh_database, prepare, seed
from bench.server import PeakMemory, Server, api_command, bare_command, free_port, serving


@dataclass(frozen=True)
class Options:
    engines: list[str]
    workers: list[int]
    couples: int
    solos: int
    days: int
    # Couples whose stream has ~10 changes, and as many with ~10,000: pulls should cost alike.
    sync_probes: int
    seconds: float
    warmup: float
    connections: int
    threads: int
    login_rate: float
    postgres_url: str
    work_dir: Path
    only: set[str] | None


def bench_environment() -> dict[str, str]:
    """Production settings, with what a benchmark from one address needs."""
    return {
        "ATTUNE_ENV": "production",
        "ATTUNE_JWT_KEYS": json.dumps({"bench-1": secrets.token_urlsafe(32)}),
        # Production refuses the console backend; no mail is sent on the measured paths.
        "ATTUNE_MAIL_BACKEND": "smtp",
        # The sync probes load 50 people at thousands of requests a second, far past what a
        # phone sends: every request is still counted against both quotas, none reaches them.
        "ATTUNE_API_LIMIT_PER_CREDENTIAL": "1000000/minute",
        "ATTUNE_API_LIMIT_PER_ADDRESS": "1000000/minute",
        "ATTUNE_AUTO_MIGRATE": "false",
    }


def cohorts(options: Options) -> list[Cohort]:
    # About four changes a day (the assignment, answers, check-ins, now and then a reaction
    # or a comment): 2 days make ~10, 2,500 days ~10,000.
    return [
        Cohort("couple", options.couples, options.days),
        Cohort("solo", options.solos, options.days, linked=False),
        Cohort("new-couple", options.sync_probes, 2),
        Cohort("veteran-couple", options.sync_probes, 2500),
    ]


def mint_tokens(members: list[Member]) -> dict[str, str]:
    """Access tokens signed with the served app's keyring, one per person, each for the
    session the seed gave them; valid long enough for the whole run."""
    settings = get_settings()
    keyring = Keyring(
        keys=dict(settings.jwt_keys), issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    now = datetime.now(UTC)
    return {
        m.user_id: keyring.issue_access_token(
            user_id=m.user_id, session_id=m.session_id, now=now, ttl=timedelta(hours=3)
        )
        for m in members
    }


def run(options: Options) -> list[Result]:
    os.environ.update(bench_environment())
    results: list[Result] = []
    for engine in options.engines:
        url = fresh_database(engine, options.work_dir, options.postgres_url)
        prepare(url)
        dataset = seed(url, cohorts(options))
        rows = ", ".join(f"{count:,} {table}" for table, count in dataset.rows.items())
        _say(f"{engine}: seeded in {dataset.seconds:.0f} s: {rows}")
        tokens = mint_tokens(dataset.members)
        for workers in options.workers:
            results.extend(_run_config(engine, workers, dataset, tokens, options))
    return results


def _run_config(
    engine: str, workers: int, dataset: Dataset, tokens: dict[str, str], options: Options
) -> list[Result]:
    env = dict(os.environ) | {"DATABASE_URL": dataset.database_url}
    logs = options.work_dir / f"{engine}-{workers}"
    with serving(
        bare_command(free_port(), workers), env, logs.with_suffix(".bare.log"), "/bare"
    ) as bare_server:
        bare_file = write_requests(options.work_dir / "bare.txt", [Request("GET", "/bare")])
        bare, rss = _measure(bare_server, bare_file, options)
    _say(f"{engine}, {workers} worker(s): bare route {bare.rps:,.0f} req/s")
    results = [Result(engine, workers, BARE, bare, 1.0, rss)]

    def result(name: str, measured: Measurement, peak: float, note: str = "") -> Result:
        found = Result(engine, workers, name, measured, measured.rps / bare.rps, peak, note)
        _say(f"  {name}: {measured.rps:,.0f} req/s ({found.ratio:.1%}), p99 {measured.p99_ms} ms")
        return found

    with serving(
        api_command(free_port(), workers), env, logs.with_suffix(".api.log"), "/healthz"
    ) as server:
        routes = served_routes(server.url)
        context = Context(server.url, dataset.members, tokens)
        for scenario in _selected(options):
            if (scenario.method, scenario.route) not in routes:
                _say(f"  {scenario.name}: skipped, the API has no {scenario.route} yet")
                continue
            path = options.work_dir / f"{scenario.method}-{len(results)}.txt"
            requests = scenario.build(context)
            prime(server.url, requests, workers)
            measured, peak = _measure(server, write_requests(path, requests), options)
            results.append(result(scenario.name, measured, peak))
        if options.only is None or ME_UNDER_LOGINS in options.only:
            me_alone = next((r.measurement.rps for r in results if r.name == ME.name), None)
            me_rate = ME_SHARE * me_alone if me_alone else ME_FALLBACK_RATE
            # The same steady /me load without logins, then with: what the logins cost it.
            for login_rate in (None, options.login_rate):
                me, logins, peak = _steady_me(server, context, options, me_rate, login_rate)
                note = f"me at a steady {me_rate:.0f}/s; " + (
                    "no logins"
                    if logins is None
                    else f"logins {logins.rps:.1f}/s, p99 {logins.p99_ms:.0f} ms, "
                    f"{logins.errors} errors"
                )
                name = ME_STEADY if logins is None else ME_UNDER_LOGINS
                results.append(result(name, me, peak, note))
    return results


def _selected(options: Options) -> list[Scenario]:
    return [s for s in SCENARIOS if options.only is None or s.name in options.only]


def _measure(server: Server, requests_file: Path, options: Options) -> tuple[Measurement, float]:
    def load(seconds: float) -> Load:
        return Load(
            server.url,
            requests_file,
            connections=options.connections,
            threads=options.threads,
            seconds=seconds,
        )

    if options.warmup > 0:
        load(options.warmup).result()
        server.wait_idle()
    with PeakMemory(server) as memory:
        measured = load(options.seconds).result()
    server.wait_idle()
    return measured, memory.peak_mb


# Whether logins stall other requests shows in the latency of requests sent at a steady
# rate the server can keep up with (open loop, as wrk2 does): a closed loop at saturation
# measures mostly its own queue.
ME_SHARE = 0.5
ME_FALLBACK_RATE = 200.0


def _steady_me(
    server: Server, context: Context, options: Options, me_rate: float, login_rate: float | None
) -> tuple[Measurement, Measurement | None, float]:
    """/v1/me at a steady `me_rate`, and logins (each a real Argon2id check) at theirs."""
    me_file = write_requests(options.work_dir / "me-steady.txt", ME.build(context))
    login_file = write_requests(options.work_dir / "logins.txt", LOGIN.build(context))
    with PeakMemory(server) as memory:
        logins = None
        if login_rate is not None:
            logins = Load(
                server.url,
                login_file,
                connections=8,
                threads=1,
                seconds=options.seconds,
                rate=login_rate,
            )
        me = Load(
            server.url,
            me_file,
            connections=options.connections,
            threads=options.threads,
            seconds=options.seconds,
            rate=me_rate,
        )
        measured = me.result(), logins.result() if logins else None, memory.peak_mb
    server.wait_idle()
    return measured


def _say(text: str) -> None:
    sys.stderr.write(f"{text}\n")
    sys.stderr.flush()
