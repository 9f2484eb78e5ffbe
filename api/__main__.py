"""The command line: `python -m api [serve|migrate|load-content|create-admin|worker|openapi]`
(serve by default)."""

import argparse
import json
import sys
from pathlib import Path

import uvicorn
from sqlalchemy import update
from sqlmodel import Session, col

from api.clock import Clock
from api.config import Settings, get_settings
from api.content.files import DATA_DIR, ContentFileError
from api.content.loader import load_content, load_content_if_empty
from api.db import migrate, open_database
from api.models import User
from api.observability import configure_logging
from api.worker import run_worker

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.migrate_on_start:
        migrate(settings.database_url)
        _load_content_on_first_start(settings)
    uvicorn.run(
        "api.main:create_served_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        timeout_graceful_shutdown=10,
    )
    return 0


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
    return run_worker(settings, once=args.once, interval=args.interval)


def write_openapi(args: argparse.Namespace) -> int:
    from api.main import create_app

    document = json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"
    Path(args.output).write_text(document, encoding="utf-8")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m api", description="Attune API")
    commands = parser.add_subparsers(dest="command")
    serve_parser = commands.add_parser("serve", help="serve the API (the default)")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--workers", type=int, default=1)
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
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
