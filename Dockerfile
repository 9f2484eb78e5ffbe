# Attune API: a small multi-stage image that migrates, then serves with several workers.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY api ./api
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 attune
COPY --from=build /venv /venv
WORKDIR /app
COPY alembic ./alembic
COPY alembic.ini ./
ENV PATH="/venv/bin:$PATH" ATTUNE_ENV=production PYTHONUNBUFFERED=1
USER attune
EXPOSE 8000
CMD ["sh", "-c", "python -m api migrate && python -m api load-content && python -m api serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2}"]
