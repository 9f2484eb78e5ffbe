"""The yardstick: the cheapest FastAPI route there is, served exactly like the API, so each
endpoint's throughput can be read as a ratio that means the same on any machine."""

from fastapi import FastAPI

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/bare")
async def bare() -> dict[str, bool]:
    return {"ok": True}
