"""`python -m bench`: seed, serve, load, and print the results and the targets.

Run it through `scripts/bench.sh`, which installs wrk first. Not part of CI: a run takes
minutes and the whole machine.
"""

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.load import require_wrk
from bench.report import ME_UNDER_LOGINS, Result, table, targets
from bench.run import Options, run
from bench.scenarios import SCENARIOS

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/attune_bench"


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--couples", type=int, default=2000)
    parser.add_argument("--solos", type=int, help="people with no partner (default couples/10)")
    parser.add_argument("--days", type=int, default=90, help="days of history per couple")
    parser.add_argument(
        "--sync-probes", type=int, default=25, help="couples with ~10 and with ~10k changes"
    )
    parser.add_argument("--seconds", type=float, default=8, help="measured seconds per endpoint")
    parser.add_argument(
        "--warmup", type=float, default=2, help="seconds of unmeasured load before each"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--login-rate", type=float, default=16, help="logins per second")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="dropped and re-made")
    parser.add_argument("--work-dir", type=Path, help="database, logs, results (default: temp)")
    names = ", ".join(s.name for s in SCENARIOS)
    parser.add_argument("--only", help=f"comma-separated scenarios: {names}, {ME_UNDER_LOGINS}")
    args = parser.parse_args(argv)
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="attune-bench-"))
    work_dir.mkdir(parents=True, exist_ok=True)
    return Options(
        engines=[e for e in args.engines.split(",") if e],
        workers=[int(w) for w in args.workers.split(",") if w],
        couples=args.couples,
        solos=args.couples // 10 if args.solos is None else args.solos,
        days=args.days,
        sync_probes=args.sync_probes,
        seconds=args.seconds,
        warmup=args.warmup,
        connections=args.connections,
        threads=args.threads,
        login_rate=args.login_rate,
        postgres_url=args.postgres_url,
        work_dir=work_dir.resolve(),
        only=None if args.only is None else {n.strip() for n in args.only.split(",")},
    )


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    memory = f"{memory_kb / 1024 / 1024:.0f} GiB"
    return f"{os.cpu_count()} cores ({cpu}), {memory}, Python {platform.python_version()}"


def main(argv: list[str]) -> int:
    require_wrk()
    options = parse(argv)
    started, load_before = datetime.now(UTC), os.getloadavg()[0]
    results = run(options)
    report = "\n\n".join(
        [
            f"{started:%Y-%m-%d %H:%M} UTC, {machine()}; {options.couples} couples, "
            f"{options.days} days; {options.connections} connections, {options.seconds:g} s each; "
            # Other work on the machine skews everything: say how busy it was.
            f"load average {load_before:.1f} before the run, {os.getloadavg()[0]:.1f} after",
            table(results),
            targets(results),
        ]
    )
    sys.stdout.write(f"{report}\n")
    (options.work_dir / "results.md").write_text(report + "\n", encoding="utf-8")
    (options.work_dir / "results.json").write_text(
        json.dumps([_as_json(r) for r in results], indent=2), encoding="utf-8"
    )
    sys.stderr.write(f"Results, logs and databases are in {options.work_dir}\n")
    return 0


def _as_json(result: Result) -> dict[str, object]:
    return dataclasses.asdict(result) | {"rps": result.measurement.rps}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
