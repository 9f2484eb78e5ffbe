"""The load: wrk, in its own process, sending prepared requests from many users' tokens,
and what it measured (throughput, latency percentiles, errors)."""

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

LUA_DIR = Path(__file__).resolve().parent / "lua"
_MARKER = "BENCH-RESULT "


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    address: str | None = None  # the client's, sent as X-Forwarded-For
    token: str | None = None
    content_type: str | None = None
    body: str | None = None
    if_none_match: str | None = None

    def line(self) -> str:
        fields = (
            self.method,
            self.path,
            self.address,
            self.token,
            self.content_type,
            self.if_none_match,
            self.body,
        )
        return "\t".join("-" if value is None else value for value in fields)


@dataclass(frozen=True)
class Measurement:
    requests: int
    seconds: float
    # Connection errors, timeouts and every answer with a status of 400 or more.
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "The benchmark needs wrk: `apt-get install -y wrk` (scripts/bench.sh installs it)."
        )
    return found


# Connections the priming pass spreads over (each sticks to one worker process).
_PRIMING_CONNECTIONS = 8


def prime(base_url: str, requests: list[Request], workers: int = 1) -> None:
    """Send every read once: a phone that polls has polled before, so what a measurement
    sees is the steady state of many callers (their sessions checked, their day's assignment
    made), not each one's first request, which a short run over thousands of tokens would
    mostly be. Writes are left alone: sending one changes what the measured run does.

    Each process keeps its own memory, and a connection stays with the process that accepted
    it: with several workers every read goes out on fresh connections, three times a worker,
    so that each process has most likely seen it (a miss is left in 1 of 2**passes)."""
    reads = [r for r in requests if r.method == "GET"]
    for _ in range(1 if workers == 1 else 3 * workers):
        _send_once(base_url, reads)


def _send_once(base_url: str, reads: list[Request]) -> None:
    def send(share: list[Request]) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            for request in share:
                headers = {"X-Forwarded-For": request.address} if request.address else {}
                if request.token:
                    headers["Authorization"] = f"Bearer {request.token}"
                http.get(request.path, headers=headers)

    shares = [reads[i::_PRIMING_CONNECTIONS] for i in range(_PRIMING_CONNECTIONS)]
    with ThreadPoolExecutor(_PRIMING_CONNECTIONS) as pool:
        list(pool.map(send, shares))


def write_requests(path: Path, requests: list[Request]) -> Path:
    if not requests:
        raise ValueError(f"no requests for {path.name}")
    path.write_text("".join(f"{request.line()}\n" for request in requests), encoding="utf-8")
    return path


class Load:
    """One wrk run, started at once; `result()` waits for it.

    Without `rate` it is closed-loop (each connection sends again as soon as it has its
    answer); with `rate` it sends that many requests per second whatever the latency.
    """

    def __init__(
        self,
        base_url: str,
        requests_file: Path,
        *,
        connections: int,
        threads: int,
        seconds: float,
        rate: float | None = None,
    ) -> None:
        threads = min(threads, connections)
        script = "rotate.lua" if rate is None else "paced.lua"
        arguments = [str(requests_file)] + ([] if rate is None else [str(rate / threads)])
        command = [
            require_wrk(),
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=5s",
            "--latency",
            f"--script={LUA_DIR / script}",
            base_url,
            "--",
            *arguments,
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def result(self) -> Measurement:
        output, _ = self._process.communicate()
        line = next((x for x in output.splitlines() if x.startswith(_MARKER)), None)
        if self._process.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed:\n{output}")
        found = json.loads(line.removeprefix(_MARKER))
        errors = sum(found[kind] for kind in ("connect", "read", "write", "status", "timeout"))
        return Measurement(
            requests=found["requests"],
            seconds=found["duration_us"] / 1e6,
            errors=errors,
            p50_ms=found["p50_us"] / 1000,
            p95_ms=found["p95_us"] / 1000,
            p99_ms=found["p99_us"] / 1000,
            max_ms=found["max_us"] / 1000,
        )
