"""Command line: flask --app kiosk init-db | seed-demo | create-user | create-token | …"""

from __future__ import annotations

import base64
import json
import logging
import signal
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import select

from badges.printers import PrinterError
from kiosk.extensions import db
from kiosk.models import (
    STAFF_ROLES,
    Delegation,
    Event,
    Participant,
    Printer,
    PrinterKind,
    Role,
    User,
)
from kiosk.services import (
    accounts,
    auth,
    backups,
    badging,
    counters,
    credentials,
    delegations,
    demo,
    exports,
    keys,
    kiosks,
    live,
    mail,
    participant_list,
    printing,
    printworker,
    retention,
    second_factor,
    titles,
)
from kiosk.services.audit import Actor
from kiosk.services.dates import format_days
from kiosk.services.errors import DomainError
from kiosk.web.cli import attempt

CLI_ACTOR = Actor("cli", None)


def fail(message: str) -> None:
    """Stop with a one-line reason on stderr and a non-zero exit status."""
    raise click.ClickException(message)


def event_by_slug(slug: str) -> Event:
    """The event named `slug`, or stop with a reason."""
    event = db.session.execute(select(Event).filter_by(slug=slug)).scalar_one_or_none()
    if event is None:
        fail(f"No event with slug {slug!r}.")
    return event


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the database to the latest schema."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("Database is up to date.")


@click.command("seed-demo")
@with_appcontext
@click.option(
    "--dates-from-letters",
    is_flag=True,
    help="Keep the letters' dates (June 2024) instead of running the event today and the next two days.",
)
@click.option(
    "--base-url", default="http://127.0.0.1:5000", show_default=True, help="Where the demo is served."
)
def seed_demo(dates_from_letters: bool, base_url: str) -> None:
    """Load the demo event (slug im2024), running from today; once there, keep it with new sign-ins."""
    with attempt():
        result = demo.seed(db.session, dates_from_letters=dates_from_letters, base_url=base_url)
    event, base = result.event, base_url.rstrip("/")
    days = format_days(event.starts_on, event.ends_on, "en")
    counts = f"{result.delegations} delegations, {result.participants} participants"
    if result.kept:
        click.echo(f"Demo event {event.slug!r} ({days}) is there already and is kept as it is: {counts}.")
        click.echo(
            "Its accounts have new passwords and its delegations new private links (the old ones stop)."
        )
    else:
        click.echo(f"Demo event {event.slug!r} ({days}): {counts}.")
    if not result.codes_valid and result.kept:
        click.echo("The event is over: its codes are no longer valid and no one can check in.")
        click.echo("To run it from today, start from an empty database (remove instance/kiosk.sqlite).")
    elif not result.codes_valid:
        click.echo("The event is over, so its codes could never be valid: no one is accredited.")
    click.echo(
        f"Open {base}/login first: organizer sign-in {result.organizer_email} / {result.organizer_password}"
    )
    click.echo(
        f"Security sign-in: {result.security_email} / {result.security_password} "
        f"(the door scanner: {base}/door/{event.slug}/, checkpoints Main entrance and Salle A)"
    )
    for name, secret in result.links[:5]:
        click.echo(f"Private link of {name}: {demo.private_link(base, secret)}")
    click.echo(f"All {len(result.links)} private links are in {result.links_file}")


@click.command("demo-kiosk")
@with_appcontext
@click.option("--event", "slug", default=demo.SLUG, show_default=True)
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
def demo_kiosk(slug: str, base_url: str) -> None:
    """Set up the demo kiosk (badges and receipts go to instance/printed/); print a new enrolment link."""
    event = event_by_slug(slug)
    printed = Path(current_app.instance_path) / "printed"
    with attempt():
        kiosk, secret = kiosks.demo_kiosk(db.session, event, printed, CLI_ACTOR)
        desk_email, desk_password = demo.desk_account(db.session, CLI_ACTOR)
    base = base_url.rstrip("/")
    lines = [f"Kiosk enrolment link ({kiosk.name}, works once, 24 hours): {base}/kiosk/enrol/{secret}"]
    lines.append(f"Badges and receipts (one receipt-*.escpos file each) are printed into {printed}")
    lines.append(f"Registration desk sign-in: {desk_email} / {desk_password} (then open {base}/desk/)")
    sample = demo.next_arrival(db.session, event)
    if sample is not None:
        lines.append(
            f"Try the kiosk as {sample.full_name} ({sample.delegation.name}): the QR code of their "
            f"e-mail in instance/outbox/, or “find me by name”: {sample.family_name!r}, "
            f"reference {sample.reference}"
        )
    else:
        lines.append(
            "Everyone accredited to attend in person has checked in: no one is left to try the kiosk."
        )
    demo.write_kiosk_links(lines)
    for line in lines:
        click.echo(line)


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in STAFF_ROLES]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email: str, role: str, password: str) -> None:
    """Create a staff user who signs in with a password."""
    with attempt():
        accounts.create_user(db.session, email, role, password, CLI_ACTOR)
    click.echo(f"User {email.strip().lower()} created with role {role}.")


@click.command("reset-second-factor")
@with_appcontext
@click.argument("email")
def reset_second_factor(email: str) -> None:
    """Remove a staff user's second factor (a lost phone): they set it up again at their next sign-in."""
    user = db.session.execute(select(User).filter_by(email=email.strip().lower())).scalar_one_or_none()
    if user is None:
        fail(f"There is no user {email.strip().lower()}.")
    second_factor.reset(db.session, user, CLI_ACTOR)
    db.session.commit()
    click.echo(f"The second factor of {user.email} is removed: they set it up again at their next sign-in.")


@click.command("create-token")
@with_appcontext
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", required=True, help="Who or what holds the token, e.g. 'Kiosk 3'.")
@click.option("--delegation", "delegation_id", type=int, help="Delegation id (focal_point tokens).")
@click.option("--event", "event_slug", help="Limit the token to one event.")
def create_token(role: str, name: str, delegation_id: int | None, event_slug: str | None) -> None:
    """Create an API token; its secret is printed alone on the last line."""
    event_id = event_by_slug(event_slug).id if event_slug else None
    if role == Role.FOCAL_POINT:
        if delegation_id is None:
            fail("A focal_point token needs --delegation ID.")
        delegation = db.session.get(Delegation, delegation_id)
        if delegation is None:
            fail(f"No delegation with id {delegation_id}.")
        event_id = delegation.event_id
    elif delegation_id is not None:
        fail("--delegation is only for focal_point tokens.")
    with attempt():
        token, secret = auth.create_token(
            db.session, role=Role(role), name=name, delegation_id=delegation_id, event_id=event_id
        )
    click.echo(f"Token {token.id} ({role}) for {name}:")
    click.echo(secret)


@click.command("import-delegations")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--event", "event_slug", required=True)
def import_delegations(file: Path, event_slug: str) -> None:
    """Import delegations from a CSV or XLSX file: all rows or none."""
    event = event_by_slug(event_slug)
    with attempt():
        config = current_app.config
        with file.open("rb") as handle:
            content = handle.read(config["IMPORT_MAX_BYTES"] + 1)
        rows = delegations.read_rows(
            file.name, content, max_bytes=config["IMPORT_MAX_BYTES"], max_rows=config["IMPORT_MAX_ROWS"]
        )
        created = delegations.import_delegations(db.session, event, rows, CLI_ACTOR)
    click.echo(f"Imported {len(created)} delegations into {event.slug}.")


@click.command("delegation-link")
@with_appcontext
@click.argument("delegation_id", type=int)
def delegation_link(delegation_id: int) -> None:
    """Issue a new private link for a delegation (the old one stops working)."""
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None:
        fail(f"No delegation with id {delegation_id}.")
    with attempt():
        secret = delegations.issue_private_link(db.session, delegation, CLI_ACTOR)
    click.echo(f"New private link of {delegation.name}:")
    click.echo(f"/d/{secret}")


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="One pass, then exit.")
@click.option("--interval", default=5.0, help="Seconds between looks for due jobs when nothing wakes it.")
def worker(once: bool, interval: float) -> None:
    """Deliver queued e-mail and print queued jobs, retrying with back-off, until stopped (SIGTERM).

    A queued print job wakes the worker at once (PostgreSQL NOTIFY, Redis, or a local socket).
    Each printer is driven by a thread of its own; database, Redis and printer outages are
    waited out (see docs/operations/printing.md).
    """
    if once:
        printed, unprinted = printing.process_print_jobs(db.session)
        if printed or unprinted:
            click.echo(f"print: {printed} printed, {unprinted} waiting for a retry or failed")
        transport = mail.transport_from_config(current_app.config)
        sent, waiting = mail.deliver_due(db.session, transport, current_app.config["MAIL_SENDER"])
        if sent or waiting:
            click.echo(f"mail: {sent} sent, {waiting} waiting for a retry")
        return
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kiosk").setLevel(logging.INFO)  # jobs printed, outages and recoveries
    db.session.remove()  # the worker's threads open their own sessions
    runner = printworker.Worker(
        current_app._get_current_object(),
        interval=interval,
        on_mail=lambda sent, waiting: click.echo(f"mail: {sent} sent, {waiting} waiting for a retry"),
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: runner.stop())
    runner.run()


@click.group("keys", cls=AppGroup)
def keys_group() -> None:
    """Event signing keys."""


@keys_group.command("generate")
@click.argument("event_slug")
def keys_generate(event_slug: str) -> None:
    """Create a new signing key for an event (the private key file is readable by its owner only)."""
    event = event_by_slug(event_slug)
    with attempt():
        key = keys.generate_event_key(db.session, event)
    click.echo(f"Key {key.key_id} of {event.slug}; private key in {key.private_key_path}")
    click.echo(f"key_id: {key.key_id}")
    click.echo(f"public_key: {base64.b64encode(bytes(key.public_key)).decode()}")


def printer_by_name(name: str) -> Printer:
    """The printer called `name`, or stop with a reason."""
    printer = db.session.execute(select(Printer).filter_by(name=name)).scalar_one_or_none()
    if printer is None:
        fail(f"No printer called {name!r}.")
    return printer


@click.command("print-test")
@with_appcontext
@click.argument("printer_name")
def print_test(printer_name: str) -> None:
    """Print a test receipt or test badge on a printer right away."""
    printer = printer_by_name(printer_name)
    try:
        where = printing.print_test_page(db.session, printer)
    except (DomainError, PrinterError) as exc:
        db.session.commit()  # either way: whether the printer answered is recorded on it
        fail(getattr(exc, "detail", str(exc)))
    db.session.commit()
    click.echo(f"Test {printer.kind.value} sent to {printer.name}" + (f" ({where})." if where else "."))


@click.command("render-badge")
@with_appcontext
@click.argument("participant_id", type=int)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=click.Choice(["card", "card_portrait", "a6"]), default="card")
def render_badge(participant_id: int, out: Path, fmt: str) -> None:
    """Write a participant's badge to a .png or .pdf file."""
    participant = db.session.get(Participant, participant_id)
    if participant is None:
        fail(f"No participant with id {participant_id}.")
    suffix = out.suffix.lower()
    if suffix not in (".png", ".pdf"):
        fail("The output file must end in .png or .pdf.")
    render = badging.badge_png if suffix == ".png" else badging.badge_pdf
    with attempt():  # the event's first key may be created
        content = render(db.session, participant, badging.badge_format(fmt))
    out.write_bytes(content)
    click.echo(f"Badge {badging.badge_number(participant)} written to {out}.")


@click.command("add-printer")
@with_appcontext
@click.argument("name")
@click.option("--kind", type=click.Choice([k.value for k in PrinterKind]), required=True)
@click.option("--connection", required=True, help='JSON, e.g. \'{"type": "network", "host": "10.0.0.5"}\'.')
@click.option("--format", "fmt", type=click.Choice(["card", "card_portrait", "a6"]), help="Badge printers.")
@click.option("--kiosks", default="", help="Kiosks that use this printer, separated by commas.")
def add_printer(name: str, kind: str, connection: str, fmt: str | None, kiosks: str) -> None:
    """Add a receipt or badge printer."""
    with attempt():
        printer = printing.save_printer(
            db.session,
            None,
            name=name,
            kind=kind,
            connection=printing.parse_connection(connection),
            badge_format=fmt,
            kiosks=kiosks,
        )
    click.echo(f"Printer {printer.name} ({printer.kind.value}) added with id {printer.id}.")


@click.command("recount-counters")
@with_appcontext
@click.option("--event", "event_slug", help="Only this event (default: every event).")
@click.option("--fix", is_flag=True, help="Store the figures counted from the raw rows.")
def recount_counters(event_slug: str | None, fix: bool) -> None:
    """Check every counter against the raw rows; exit non-zero on a difference unless --fix."""
    if event_slug:
        chosen = [event_by_slug(event_slug)]
    else:
        chosen = list(db.session.execute(select(Event).order_by(Event.slug)).scalars())
    wrong = 0
    for event in chosen:
        differences = counters.recount(db.session, event.id, fix=fix)
        for name, (stored, counted) in sorted(differences.items()):
            click.echo(f"{event.slug} {name}: stored {stored}, counted {counted}")
        if differences and fix:
            live.touch(db.session, event.id)
        wrong += len(differences)
        click.echo(
            f"{event.slug}: {len(differences)} counter(s) differ{' (fixed)' if fix and differences else ''}."
        )
    db.session.commit()
    if wrong and not fix:
        fail(f"{wrong} counter(s) differ from the raw rows; run again with --fix to repair them.")


@click.command("list-of-participants")
@with_appcontext
@click.argument("event_slug")
@click.option("--language", type=click.Choice(participant_list.LANGUAGES), default="en", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def list_of_participants(event_slug: str, language: str, out: Path) -> None:
    """Write the List of participants (accredited, by category and delegation) as a PDF."""
    event = event_by_slug(event_slug)
    out.write_bytes(participant_list.render_pdf(db.session, event, language))
    click.echo(f"List of participants of {event.slug} ({language}) written to {out}.")


@click.command("credentials-report")
@with_appcontext
@click.argument("event_slug")
@click.option("--language", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "pdf", "xlsx"]), default="text", show_default=True
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file (pdf, xlsx)."
)
def credentials_report(event_slug: str, language: str, fmt: str, out: Path | None) -> None:
    """Print the credentials report (States Parties first, then the others), or write it as PDF or XLSX."""
    event = event_by_slug(event_slug)
    if fmt in ("pdf", "xlsx") and out is None:
        fail("Give --out FILE to write the report as PDF or XLSX.")
    with force_locale(language):
        report = credentials.build(db.session, event, language)
        if fmt == "text":
            click.echo(credentials.to_text(report))
        elif fmt == "json":
            click.echo(json.dumps(credentials.as_json(report), ensure_ascii=False, indent=2))
        elif fmt == "pdf":
            out.write_bytes(credentials.render_pdf(db.session, event, language))
        else:
            out.write_bytes(exports.to_xlsx(credentials.to_table(report)))
    if out is not None and fmt in ("pdf", "xlsx"):
        click.echo(f"Credentials report of {event.slug} ({language}) written to {out}.")


@click.command("backup")
@with_appcontext
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="A new file.")
def backup(out: Path) -> None:
    """Back the database up into a new file (SQLite: online backup; PostgreSQL: pg_dump -Fc)."""
    try:
        kind = backups.backup(db.engine, out)
    except backups.BackupError as exc:
        fail(str(exc))
    click.echo(f"{kind} backup written to {out} ({out.stat().st_size} bytes).")


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(file: Path) -> None:
    """Restore a backup into the database of DATABASE_URL, which must be empty (no table)."""
    try:
        kind = backups.restore(db.engine, file)
    except backups.BackupError as exc:
        fail(str(exc))
    db.engine.dispose()
    click.echo(f"{kind} backup {file} restored. Run `flask --app kiosk init-db` if this version is newer.")


@click.command("purge-personal-data")
@with_appcontext
@click.option(
    "--ended-before",
    "days",
    type=click.IntRange(min=0),
    help="Days since the end of the event (default PERSONAL_DATA_DAYS, 90).",
)
@click.option("--dry-run", is_flag=True, help="Say what would go; change nothing.")
def purge_personal_data(days: int | None, dry_run: bool) -> None:
    """Remove names, e-mail addresses, photos, codes and links of events that ended DAYS ago; keep counts."""
    if days is None:
        days = int(current_app.config["PERSONAL_DATA_DAYS"])
    report = retention.purge_personal_data(
        db.session,
        days=days,
        actor=CLI_ACTOR,
        outbox=Path(current_app.config["MAIL_OUTBOX"]),
        dry_run=dry_run,
    )
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        retention.remove_files(report.files)
    for line in report.lines():
        click.echo(line)
    click.echo("Dry run: nothing was changed." if dry_run else "Done; an audit entry records it.")


@click.command("titles")
@with_appcontext
def list_titles() -> None:
    """List the titles participants can be given, in the six languages (checks TITLES_FILE)."""
    try:
        shown = {language: dict(titles.choices(language)) for language in titles.LANGUAGES}
        codes = titles.codes()
    except titles.TitlesFileError as refused:
        fail(str(refused))
    for code in codes:
        click.echo(f"{code:<10} " + " | ".join(f"{lang}: {shown[lang][code]}" for lang in titles.LANGUAGES))
    click.echo(f"{len(codes)} titles; any other title is kept as typed.")


COMMANDS = (
    init_db,
    seed_demo,
    demo_kiosk,
    create_user,
    create_token,
    import_delegations,
    delegation_link,
    worker,
)
COMMANDS += (keys_group, print_test, render_badge, add_printer, recount_counters, list_of_participants)
COMMANDS += (credentials_report,)
COMMANDS += (backup, restore, purge_personal_data, reset_second_factor, list_titles)


def init_app(app: Flask) -> None:
    """Add the commands to `flask --app kiosk`."""
    for command in COMMANDS:
        app.cli.add_command(command)
