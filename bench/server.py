"""Serving what is measured: the API as operators run it (`python -m api serve`), or the
bare route under the same uvicorn settings; and the memory its worker processes hold."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def api_command(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)]  # fmt: skip


def bare_command(port: int, workers: int) -> list[str]:
    # uvicorn's defaults, as `api serve` uses them (uvloop, httptools), with no access log:
    # the API disables uvicorn's access log too and writes its own.
    return [sys.executable, "-m", "uvicorn", "bench.bare:app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--no-access-log",
            "--log-level", "warning"]  # fmt: skip


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the children of a multi-worker supervisor
        (without multiprocessing's helper), or the one process."""
        children = [
            pid
            for pid in _children(self.process.pid)
            if b"resource_tracker" not in _read(f"/proc/{pid}/cmdline")
        ]
        return children or [self.process.pid]

    def wait_idle(self, timeout: float = 30) -> None:
        """Until the workers stop burning CPU: requests a load left queued (a client gone,
        a lock still waited for) would otherwise be charged to the next measurement."""
        deadline = time.monotonic() + timeout
        busy = _cpu_seconds(self.worker_pids())
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = _cpu_seconds(self.worker_pids())
            if now - busy < 0.05:  # under 10% of one core
                return
            busy = now

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.url}{path} did not answer within {timeout} s")


@contextmanager
def serving(command: list[str], env: dict[str, str], log: Path, ready: str) -> Iterator[Server]:
    port = int(command[command.index("--port") + 1])
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    server = Server(process, port)
    try:
        server.wait_ready(ready)
        # A multi-worker supervisor answers as soon as one worker does: wait for them all.
        time.sleep(1)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class PeakMemory:
    """The largest resident set any worker reached while it ran (sampled four times a second)."""

    def __init__(self, server: Server) -> None:
        self._server = server
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            for pid in self._server.worker_pids():
                self.peak_mb = max(self.peak_mb, _rss_mb(pid))


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return b""


def _children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _read(f"/proc/{entry}/stat")
            # The fields after the command name (which may hold spaces) start with state, ppid.
            after_name = stat[stat.rfind(b")") + 2 :].split()
            if len(after_name) > 1 and int(after_name[1]) == parent:
                found.append(int(entry))
    return found


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        stat = _read(f"/proc/{pid}/stat")
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 12:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith(b"VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
