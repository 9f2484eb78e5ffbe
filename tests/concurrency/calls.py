"""Requests sent to a live server from separate threads, released at the same instant."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    json: Any = field(default=None)


def at_once(base_url: str, calls: list[Call]) -> list[httpx.Response]:
    start = threading.Barrier(len(calls))

    def send(call: Call) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            start.wait()
            return http.request(call.method, call.path, json=call.json, headers=call.headers)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))
