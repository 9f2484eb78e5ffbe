"""The command line: `python -m api [serve|migrate|load-content|create-admin|worker|openapi]`
(serve by default)."""

import argparse
import json
import os
import signal
import sys
from pathlib import Path

import uvicorn
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from api.content.files import DATA_DIR, ContentFileError
from api.content.loader import load_content, load_content_if_empty
from api.edge.observability import configure_logging
from api.kernel.clock import Clock
from api.kernel.config import Settings, SettingsInvalid, get_settings, load_settings
from api.kernel.db import Migrations, SchemaState, migrate, open_database
from api.models import User
from api.worker import run_worker

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
# sysexits.h's EX_CONFIG: a supervisor (or an operator) reads "fix the settings" from it.
EX_CONFIG = 78
NOT_MIGRATED = 1


def serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.migrate_on_start:
        migrate(settings.database_url)
        _load_content_on_first_start(settings)
    elif not schema_is_current(settings):
        return NOT_MIGRATED
    # On SIGTERM or SIGINT uvicorn stops accepting, lets requests in flight finish for up to
    # the grace period (event streams end at once, api/routers/events.py), then returns.
    # It then raises the signal again for the handler it found, so that the process dies of
    # it (status -15): the drain is complete by then, and a clean stop must read as 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: None)
    if settings.is_sqlite and args.workers > 1:
        # Processes on one SQLite file hear nothing of one another's writes (the change feed is
        # in process there): none may answer from memory what another may have changed.
        os.environ["ATTUNE_SESSION_RECHECK_SECONDS"] = "0"
    uvicorn.run(
        "api.main:create_served_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_seconds)),
    )
    return 0


def schema_is_current(settings: Settings) -> bool:
    """False, having said why and what to run, when the database is behind (or ahead of)
    this release's migrations. A database that cannot be reached yet is no reason to refuse
    the start: /readyz reports it until it answers."""
    database = open_database(settings)
    try:
        state = Migrations().state_of(database.reader)
    except DBAPIError as exc:
        cause = type(exc.orig or exc).__name__
        sys.stderr.write(f"The database cannot be reached yet ({cause}); serving anyway.\n")
        return True
    finally:
        database.dispose()
    if state is SchemaState.at_head:
        return True
    sys.stderr.write(f"Not serving: {state.value}\n")
    return False


def _load_content_on_first_start(settings: Settings) -> None:
    database = open_database(settings)
    report = load_content_if_empty(database.writer, Clock().now())
    database.dispose()
    if report is not None:
        sys.stdout.write(f"Loaded the shipped content:\n{report.summary()}\n")


def run_migrations(args: argparse.Namespace) -> int:
    migrate(get_settings().database_url)
    return 0


def load_shipped_content(args: argparse.Namespace) -> int:
    database = open_database(get_settings())
    try:
        with Session(database.writer) as db:
            report = load_content(db, Clock().now(), Path(args.directory))
            db.commit()
    except ContentFileError as exc:
        sys.stderr.write(f"Nothing loaded: {exc}\n")
        return 1
    finally:
        database.dispose()
    sys.stdout.write(f"{report.summary()}\n")
    return 0


def create_admin(args: argparse.Namespace) -> int:
    database = open_database(get_settings())
    with Session(database.writer) as db:
        email = args.email.strip().lower()
        made = db.execute(update(User).where(col(User.email) == email).values(is_admin=True))
        db.commit()
    database.dispose()
    if made.rowcount == 0:  # type: ignore[attr-defined]
        sys.stderr.write(f"No account with the email {email}; register it first.\n")
        return 1
    sys.stdout.write(f"{email} is now an admin.\n")
    return 0


def work(args: argparse.Namespace) -> int:
    settings = get_settings()
    configure_logging(settings.log_level)
    if not settings.migrate_on_start and not schema_is_current(settings):
        return NOT_MIGRATED
    return run_worker(settings, once=args.once, interval=args.interval)


def write_openapi(args: argparse.Namespace) -> int:
    from api.main import create_app

    document = json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"
    Path(args.output).write_text(document, encoding="utf-8")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m api", description="Attune API")
    commands = parser.add_subparsers(dest="command")
    serve_parser = commands.add_parser(
        "serve",
        help="serve the API (the default)",
        description="Serve the API. Settings come from the environment (see the README).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve_parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve_parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "1")),
        help="API processes (default from WEB_CONCURRENCY); each holds up to "
        "ATTUNE_DB_POOL_SIZE + 2 PostgreSQL connections",
    )
    serve_parser.set_defaults(handler=serve)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(
        handler=run_migrations
    )
    content_parser = commands.add_parser(
        "load-content", help="load the content files into the database (only what changed)"
    )
    content_parser.add_argument(
        "--directory", default=str(DATA_DIR), help="where the files are (default: the shipped ones)"
    )
    content_parser.set_defaults(handler=load_shipped_content)
    admin_parser = commands.add_parser("create-admin", help="make an account an admin")
    admin_parser.add_argument("email")
    admin_parser.set_defaults(handler=create_admin)
    worker_parser = commands.add_parser(
        "worker", help="deliver notifications and send daily reminders (several may run)"
    )
    worker_parser.add_argument("--once", action="store_true", help="one pass, then exit")
    worker_parser.add_argument(
        "--interval", type=float, default=5.0, help="seconds between passes when idle (default 5)"
    )
    worker_parser.set_defaults(handler=work)
    openapi_parser = commands.add_parser("openapi", help="write the OpenAPI document")
    openapi_parser.add_argument("--output", default=str(OPENAPI_PATH))
    openapi_parser.set_defaults(handler=write_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        args = build_parser().parse_args(["serve", *(argv or [])])
    try:
        load_settings()
    except SettingsInvalid as invalid:
        refuse(invalid)
        return EX_CONFIG
    return int(args.handler(args))


def refuse(invalid: SettingsInvalid) -> None:
    """A few plain lines, one per problem; never a value (they hold secrets), no traceback."""
    lines = [
        f"Attune cannot start: {len(invalid.problems)} setting problem(s). "
        "Values are not shown; see the README's configuration table.",
        *(f"  {problem}" for problem in invalid.problems),
    ]
    sys.stderr.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
