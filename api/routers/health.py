"""Liveness and readiness probes for orchestrators."""

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.deps import RuntimeDep
from api.kernel.db import Migrations, SchemaState
from api.kernel.errors import ServiceUnavailable, problem_responses

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    detail: str | None = Field(
        default=None,
        description="Ready, but not as configured: e.g. rate limits counted per process "
        "while Redis is unreachable.",
    )


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
    description=(
        "503 while the database is unreachable or not migrated (`detail` says which): route "
        "no traffic here. 200 with a `detail` while something optional is degraded."
    ),
    responses=problem_responses(503),
)
def readyz(request: Request, runtime: RuntimeDep) -> HealthOut:
    migrations: Migrations = request.app.state.migrations
    try:
        state = migrations.state_of(runtime.database.reader)
    except Exception as exc:  # any failure to reach the database means "not ready"
        raise ServiceUnavailable("The database cannot be reached.") from exc
    if state is not SchemaState.at_head:
        raise ServiceUnavailable(state.value)
    return HealthOut(status="ok", detail=runtime.limiter.fallback_detail())
