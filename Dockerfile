# Attune API: a small multi-stage image that migrates, then serves with several workers.
FROM python:3.11-slim AS build
WORKDIR /src
# Dependencies first, from the lock file with its hashes (scripts/lock.sh): two builds a month
# apart install the same bytes, and this layer is rebuilt only when the lock file changes.
COPY requirements/runtime.txt requirements/runtime.txt
RUN python -m venv /venv \
    && /venv/bin/pip install --no-cache-dir --require-hashes -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY api ./api
RUN /venv/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 attune
COPY --from=build /venv /venv
WORKDIR /app
COPY alembic ./alembic
COPY alembic.ini ./
COPY scripts/container-start.sh /usr/local/bin/container-start
ENV PATH="/venv/bin:$PATH" ATTUNE_ENV=production PYTHONUNBUFFERED=1
USER attune
EXPOSE 8000
# Exec form, and the script execs: uvicorn is PID 1 and gets `docker stop`'s SIGTERM, drains
# requests in flight for ATTUNE_SHUTDOWN_GRACE_SECONDS (10), and exits 0.
ENTRYPOINT ["container-start"]
# `serve` reads WEB_CONCURRENCY for its number of workers.
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
