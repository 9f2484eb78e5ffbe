"""The results as tables: every measurement, and the issue's targets met or not."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bench.load import Measurement
from bench.scenarios import NOT_MODIFIED, SYNC_FEW, SYNC_MANY

BARE = "bare route"
ME_STEADY = "me steady"
ME_UNDER_LOGINS = "me steady+logins"


@dataclass(frozen=True)
class Result:
    engine: str
    workers: int
    name: str
    measurement: Measurement
    # Throughput as a share of the bare route's, served the same way in the same run.
    ratio: float
    peak_rss_mb: float
    note: str = ""


def table(results: list[Result]) -> str:
    lines = [
        "| engine | workers | endpoint | req/s | × bare | p50 ms | p95 ms | p99 ms | errors "
        "| peak RSS MB | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        m = r.measurement
        lines.append(
            f"| {r.engine} | {r.workers} | {r.name} | {m.rps:,.0f} | {r.ratio:.1%} "
            f"| {m.p50_ms:.1f} | {m.p95_ms:.1f} | {m.p99_ms:.1f} | {m.errors} "
            f"| {r.peak_rss_mb:.0f} | {r.note} |"
        )
    return "\n".join(lines)


ENGINES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Target:
    text: str
    # The measured value and whether it meets the target, or None when it was not measured.
    check: Callable[[list[Result]], tuple[str, bool] | None]


def _find(results: list[Result], engine: str, workers: int, name: str) -> Result | None:
    return next(
        (r for r in results if (r.engine, r.workers, r.name) == (engine, workers, name)), None
    )


def _hot(name: str, engine: str, floor: float = 0.25) -> Target:
    """A hot read: a share of the bare route, no answer but 2xx (or the 304 it is asked for),
    and p99 under 50 ms."""

    def check(results: list[Result]) -> tuple[str, bool] | None:
        r = _find(results, engine, 1, name)
        if r is None:
            return None
        m = r.measurement
        shown = f"{r.ratio:.1%}, p99 {m.p99_ms:.1f} ms, {m.errors} errors"
        return shown, r.ratio >= floor and m.p99_ms < 50 and m.errors == 0

    text = f"{name} ({engine}, 1 worker): ≥ {floor:.0%} of bare, p99 < 50 ms, no errors"
    return Target(text, check)


def _ratio(name: str, engine: str, floor: float, no_errors: bool = False) -> Target:
    def check(results: list[Result]) -> tuple[str, bool] | None:
        r = _find(results, engine, 1, name)
        if r is None:
            return None
        errors = r.measurement.errors
        met = r.ratio >= floor and (errors == 0 or not no_errors)
        return f"{r.ratio:.1%}, {errors} errors", met

    extra = ", no errors" if no_errors else ""
    return Target(f"{name} ({engine}, 1 worker): ≥ {floor:.0%} of bare{extra}", check)


def _scaling(results: list[Result]) -> tuple[str, bool] | None:
    one = _find(results, "postgresql", 1, "today")
    two = _find(results, "postgresql", 2, "today")
    if one is None or two is None:
        return None
    factor = two.measurement.rps / one.measurement.rps
    return f"{factor:.2f}×", factor >= 1.6


def _sync_flat(engine: str) -> Target:
    def check(results: list[Result]) -> tuple[str, bool] | None:
        few = _find(results, engine, 1, SYNC_FEW)
        many = _find(results, engine, 1, SYNC_MANY)
        if few is None or many is None:
            return None
        factor = many.measurement.rps / few.measurement.rps
        return f"{factor:.2f}× the throughput", factor >= 0.9

    return Target(f"sync ({engine}, 1 worker): 10,000 old changes cost as 10 (≥ 0.9×)", check)


def _logins(engine: str) -> Target:
    def check(results: list[Result]) -> tuple[str, bool] | None:
        r = _find(results, engine, 1, ME_UNDER_LOGINS)
        if r is None:
            return None
        m = r.measurement
        alone = _find(results, engine, 1, ME_STEADY)
        control = f"; {alone.measurement.p99_ms:.1f} ms without logins" if alone else ""
        return f"p99 {m.p99_ms:.1f} ms{control} ({r.note})", m.requests > 0 and m.p99_ms < 50

    return Target(f"me p99 < 50 ms while 16 logins/s run ({engine}, 1 worker)", check)


def _memory(results: list[Result]) -> tuple[str, bool] | None:
    single = [r.peak_rss_mb for r in results if r.workers == 1 and r.name != BARE]
    if not single:
        return None
    return f"{max(single):.0f} MB", max(single) < 200


TARGETS = (
    *(_hot(name, engine) for name in ("today", "me", "sync") for engine in ENGINES),
    *(_hot(NOT_MODIFIED, engine, 0.40) for engine in ENGINES),
    _sync_flat("sqlite"),
    _sync_flat("postgresql"),
    _ratio("answer", "postgresql", 0.12, no_errors=True),
    Target("today, 2 workers vs 1 (postgresql): ≥ 1.6×", _scaling),
    _logins("sqlite"),
    _logins("postgresql"),
    Target("peak RSS of one worker under load < 200 MB", _memory),
)


def targets(results: list[Result]) -> str:
    return "\n".join(["| target | measured | met |", "|---|---|---|", *_target_rows(results)])


def _target_rows(results: list[Result]) -> Iterator[str]:
    for target in TARGETS:
        found = target.check(results)
        if found is None:
            yield f"| {target.text} | not measured | – |"
        else:
            shown, met = found
            yield f"| {target.text} | {shown} | {'yes' if met else '**no**'} |"
