"""Liveness and readiness probes for orchestrators."""

from fastapi import APIRouter, Request
from pydantic import BaseModel

from api.db import is_ready
from api.deps import RuntimeDep
from api.errors import ServiceUnavailable, problem_responses

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str


@router.get(
    "/healthz",
    summary="The process is alive",
    description="Always 200 while the process serves requests; it checks nothing else.",
)
def healthz() -> HealthOut:
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    summary="The database answers and its schema is at the latest migration",
    description="503 while the database is unreachable or not migrated: route no traffic here.",
    responses=problem_responses(503),
)
def readyz(request: Request, runtime: RuntimeDep) -> HealthOut:
    try:
        ready = is_ready(runtime.database.reader, request.app.state.schema_head)
    except Exception as exc:  # any failure to reach the database means "not ready"
        raise ServiceUnavailable("The database cannot be reached.") from exc
    if not ready:
        raise ServiceUnavailable("The database schema is not at the latest migration.")
    return HealthOut(status="ok")
