"""/metrics: request counts and latencies labelled by route template, never by raw path."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.edge.metrics import LATENCY_BUCKETS

# Counts start from zero in an app of its own; one test adds a route.
pytestmark = pytest.mark.own_app

REQUESTS = "http_requests_total"


def samples(metrics_text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(metrics_text)
        for sample in family.samples
        if sample.name == name
    ]


def value(metrics_text: str, name: str, **labels: str) -> float:
    found = [value for got, value in samples(metrics_text, name) if got == labels]
    assert len(found) == 1, f"{name} {labels} not in /metrics"
    return found[0]


def test_routes_are_labelled_by_template(app: FastAPI, client: TestClient) -> None:
    app.add_api_route("/v1/things/{thing_id}", lambda thing_id: {}, tags=["test"])
    for _ in range(3):
        client.get("/v1/things/3f6c0a1e-secret-id")
    client.post("/v1/couple/invite")
    client.get("/docs-assets/swagger-ui.css")
    client.get("/v1/no-such-thing/9d2e7b-other-id")

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert value(text, REQUESTS, method="GET", route="/v1/things/{thing_id}", status="200") == 3
    assert value(text, REQUESTS, method="POST", route="/v1/couple/invite", status="401") == 1
    assert value(text, REQUESTS, method="GET", route="/docs-assets/{name}", status="200") == 1
    assert value(text, REQUESTS, method="GET", route="unmatched", status="404") == 1
    for raw in ("secret-id", "other-id", "swagger-ui.css", "no-such-thing"):
        assert raw not in text


def test_latency_histogram_has_the_same_labels(client: TestClient) -> None:
    client.get("/healthz")
    text = client.get("/metrics").text
    labels = {"method": "GET", "route": "/healthz", "status": "200"}
    assert value(text, "http_request_duration_seconds_count", **labels) == 1
    buckets = [
        got["le"]
        for got, _ in samples(text, "http_request_duration_seconds_bucket")
        if got.items() >= labels.items()
    ]
    assert buckets == [*(str(edge) for edge in LATENCY_BUCKETS), "+Inf"]


def test_invented_methods_share_one_label(client: TestClient) -> None:
    client.request("BREW", "/healthz")
    text = client.get("/metrics").text
    assert value(text, REQUESTS, method="other", route="/healthz", status="405") == 1


def test_openmetrics_on_request(client: TestClient) -> None:
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


SCRAPE_AFTER = """
import sys
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from api.main import create_app

client = TestClient(create_app())
for _ in range(int(sys.argv[1])):
    client.get("/healthz")
print(client.get("/metrics").text)
"""


def test_workers_are_added_up_in_multiprocess_mode(database_url: str, tmp_path: Path) -> None:
    # Separate processes, as uvicorn's workers are: each writes its own files to the directory.
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "ATTUNE_ENV": "test",
        "DATABASE_URL": database_url,
    }

    def worker(requests: int) -> str:
        done = subprocess.run(
            [sys.executable, "-c", SCRAPE_AFTER, str(requests)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    worker(2)
    text = worker(3)
    assert value(text, REQUESTS, method="GET", route="/healthz", status="200") == 5
    assert value(text, REQUESTS, method="GET", route="/metrics", status="200") == 1
