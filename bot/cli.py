"""`pkh-bot`: run the bot, import the roster, run one tick, upgrade the database, write the
monthly reports."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from bot.logs import redact_secrets_in_logs
from bot.settings import Settings

log = logging.getLogger("pkh_bot")
# Their INFO lines are every request: httpx's hold the URL (with the Telegram bot token in it),
# twilio's the numbers of the people written to. Only warnings, unless PKH_LOG_LEVEL=DEBUG.
CHATTY_LOGGERS = ("httpx", "httpcore", "twilio")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise SystemExit(f"pkh-bot: bad configuration: {problems}") from None
    _configure_logging(settings)
    return settings


def _configure_logging(settings: Settings) -> None:
    """The level from the settings; secrets redacted in every record before any handler."""
    redact_secrets_in_logs(settings.secrets())
    level = getattr(logging, settings.PKH_LOG_LEVEL)
    logging.getLogger().setLevel(level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(
            logging.NOTSET if level <= logging.DEBUG else logging.WARNING
        )


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 instant: {value!r}") from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a UTC offset, e.g. 2026-12-01T09:00:00+07:00")
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"the year must be between {FIRST_YEAR} and {LAST_YEAR}: {value!r}"
        )
    return moment.astimezone(UTC)


def cmd_run(args: argparse.Namespace) -> int:
    from bot.server import listening_sockets, run_workers
    from storage.migrate import upgrade

    settings = _settings()
    problem = _why_not_workers(settings, args.workers)
    if problem:
        print(f"pkh-bot: --workers {args.workers}: {problem}", file=sys.stderr)
        return 2
    upgrade(settings.DATABASE_URL)
    if args.workers == 1:
        return _serve(settings, args, None)
    try:
        sockets = listening_sockets(args.host, args.port, args.workers)
    except OSError as error:
        print(f"pkh-bot: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    return run_workers(sockets, lambda sock: _serve(settings, args, sock))


def _why_not_workers(settings: Settings, workers: int) -> str | None:
    """Why this configuration cannot run in `workers` processes, or None if it can."""
    if workers < 1:
        return "must be at least 1"
    if workers == 1:
        return None
    if settings.DATABASE_URL.startswith("sqlite"):
        return "several processes need PostgreSQL (SQLite has one writer)"
    if settings.simulator_enabled:
        return "the web simulator runs in one process"
    if settings.telegram_enabled and not settings.TELEGRAM_WEBHOOK_URL:
        return "Telegram allows one long-polling client: set TELEGRAM_WEBHOOK_URL"
    return None


def _serve(settings: Settings, args: argparse.Namespace, sock: socket.socket | None) -> int:
    """One server process: runtime, channels, scheduler, dispatcher and web app."""
    import uvicorn

    from bot.app import create_app
    from bot.channels import configure
    from bot.demo import seed_demo_roster
    from bot.runtime import Runtime
    from bot.server import GracefulServer

    runtime = Runtime(settings)
    channels = configure(runtime)
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}/"
    if not settings.PUBLIC_BASE_URL:
        runtime.ctx.dashboard_base = url.rstrip("/")  # the sign-in links the bot sends
    if runtime.simulator:
        report = seed_demo_roster(runtime.sessions, settings.PKH_DEFAULT_TZ)
        if report is not None:
            log.info("empty database: seeded the demo roster (%s)", report.summary())
        log.info("no Telegram or Twilio credentials: open the web simulator at %s", url)
    log.info("channels: %s; web app on %s", ", ".join(channels), url)
    server = GracefulServer(
        uvicorn.Config(create_app(runtime), host=args.host, port=args.port, log_level="info")
    )
    server.run(sockets=[sock] if sock is not None else None)
    runtime.db.dispose()
    return 0


def cmd_roster_import(args: argparse.Namespace) -> int:
    from handlers.people.roster import RosterError, import_roster_file
    from storage.db import create_db_engine, make_session_factory, transaction
    from storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.DATABASE_URL)
    sessions = make_session_factory(create_db_engine(settings.DATABASE_URL))
    try:
        with transaction(sessions) as session:
            report = import_roster_file(session, Path(args.file), settings.PKH_DEFAULT_TZ)
    except (RosterError, OSError, UnicodeDecodeError) as exc:
        print(f"pkh-bot: cannot import {args.file}: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 1 if report.rejected else 0


def cmd_tick(args: argparse.Namespace) -> int:
    from bot.channels import configure
    from bot.runtime import Runtime
    from scheduler.tick import TickReport, run_duties
    from storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.DATABASE_URL)
    runtime = Runtime(settings)
    configure(runtime)
    now = args.now or datetime.now(UTC)
    runtime.ctx.clock = lambda: now

    async def tick() -> TickReport:
        """The duties, the outbox (rows of unconfigured channels failed, not left waiting), then
        the channels' stop hooks in the same loop (their clients live there)."""
        try:
            duties = await asyncio.to_thread(run_duties, runtime.ctx, now)
            return TickReport(duties, await runtime.dispatch(now))
        finally:
            for stop in reversed(runtime.on_stop):
                await stop()

    report = asyncio.run(tick())
    print(f"tick at {now.isoformat()}: {report.summary()}")
    runtime.db.dispose()
    failed = [name for name, count in report.duties.items() if count < 0]
    if failed:
        print(f"pkh-bot: failed duties: {', '.join(failed)} (see the log)", file=sys.stderr)
        return 1
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    upgrade(_settings().DATABASE_URL)
    print("database is at the latest revision")
    return 0


def cmd_report_monthly(args: argparse.Namespace) -> int:
    """The reports of one month: per kabupaten (the one given, else each with pendamping), and
    per active supervisor of that kabupaten, each as PDF and XLSX; one printed line per file."""
    from bot.render import monthly
    from conversations.catalog import load_catalog
    from storage.db import create_db_engine, make_session_factory
    from storage.migrate import upgrade

    t = load_catalog("id")
    found = monthly.parse_month(args.month)
    if found is None:
        print(f"pkh-bot: {t('monthly.bad_month', value=args.month)}", file=sys.stderr)
        return 2
    settings = _settings()
    upgrade(settings.DATABASE_URL)
    engine = create_db_engine(settings.DATABASE_URL)
    now = datetime.now(UTC)
    try:
        with make_session_factory(engine)() as session:
            known = monthly.kabupaten_with_pendamping(session)
            chosen = known
            if args.kabupaten is not None:
                wanted = args.kabupaten.strip().casefold()
                chosen = [name for name in known if name.casefold() == wanted][:1]
                if not chosen:
                    message = t(
                        "monthly.unknown_kabupaten",
                        kabupaten=args.kabupaten,
                        known=", ".join(known) or "-",
                    )
                    print(f"pkh-bot: {message}", file=sys.stderr)
                    return 2
            if not chosen:
                print(f"pkh-bot: {t('monthly.no_kabupaten')}", file=sys.stderr)
                return 0
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            for kabupaten in chosen:
                subjects = [monthly.for_kabupaten(session, kabupaten, settings.PKH_DEFAULT_TZ)]
                subjects += [
                    monthly.for_supervisor(person)
                    for person in monthly.supervisors_of_kabupaten(session, kabupaten)
                ]
                for subject in subjects:
                    report = monthly.build(session, subject, *found, now)
                    for path in monthly.write_files(report, out):
                        print(path)
    except OSError as exc:
        print(f"pkh-bot: cannot write to {args.out}: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pkh-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="web app, channels, scheduler and dispatcher")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (PostgreSQL only; default 1)",
    )
    run.set_defaults(func=cmd_run)

    roster = commands.add_parser("roster", help="staff roster").add_subparsers(
        dest="roster_command", required=True
    )
    importer = roster.add_parser("import", help="load or update staff from CSV")
    importer.add_argument("file")
    importer.set_defaults(func=cmd_roster_import)

    tick = commands.add_parser("tick", help="run every time-driven duty once, then exit")
    tick.add_argument("--now", type=_instant, default=None, help="ISO-8601 instant with offset")
    tick.set_defaults(func=cmd_tick)

    db = commands.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate to the latest revision").set_defaults(
        func=cmd_db_upgrade
    )

    report = commands.add_parser("report", help="reports").add_subparsers(
        dest="report_command", required=True
    )
    month = report.add_parser("monthly", help="the monthly reports (PDF and XLSX) of one month")
    month.add_argument("--month", required=True, help="YYYY-MM")
    month.add_argument("--kabupaten", default=None, help="one kabupaten (default: every one)")
    month.add_argument("--out", required=True, help="the folder to write the files to")
    month.set_defaults(func=cmd_report_monthly)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
