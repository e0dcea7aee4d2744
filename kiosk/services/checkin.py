"""Check-in: the one place that decides whether a participant may check in, and records it.

Used by the kiosk pages, the desk and the API. A check-in is idempotent: the participant's
unique row in `checkins` allows one check-in whatever races happen, and a request sent again
with the same `request_id` gets the first answer back (same check-in, same print jobs).

Confirmation codes and reissued badges: a confirmation code carries the badge serial current
when it was sent. Reissuing a badge (a lost badge, or a code that may be in other hands)
increments the serial, and that replaces the confirmation code too: an older code is refused
with `code_replaced` and a sentence that sends the person to the newest e-mail (a reissue
before check-in sends one) or, when there was no address to send it to, to the desk. After
check-in the confirmation code has done its work: a second check-in is refused with
`already_checked_in` whatever the code, replaced or not, and the person is sent to the desk.
"""

from __future__ import annotations

import hmac
from collections import Counter as Tally
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from badges import codes
from kiosk.models import (
    CheckIn,
    CheckInMethod,
    Delegation,
    Event,
    Gender,
    JobKind,
    Kiosk,
    Mode,
    Participant,
    Printer,
    PrintJob,
    Status,
)
from kiosk.models.base import utcnow
from kiosk.models.participant import normalise_reference
from kiosk.services import collation, counters, countries, live, mail, name_search, printing, vocabulary
from kiosk.services.audit import Actor, record
from kiosk.services.dates import format_clock, format_day
from kiosk.services.errors import (
    AlreadyCheckedIn,
    CodeReplaced,
    DomainError,
    InvalidCode,
    NoPrinter,
    NotAccredited,
    ProofMismatch,
    TooManyAttempts,
    UnknownCode,
    WrongEvent,
)
from kiosk.services.keys import CodeProblem, check_code, read_public_keys
from kiosk.services.ratelimit import SharedRateLimit


@dataclass(frozen=True)
class Arrival:
    """The outcome of a check-in: the row, the participant, the print jobs it queued."""

    checkin: CheckIn
    participant: Participant
    jobs: list[PrintJob]
    replayed: bool = False


def _desk() -> str:
    return _("Please go to the registration desk.")


# --- finding the participant ----------------------------------------------------------------


def participant_for_code(
    session: Session, event: Event, code: str, now: datetime | None = None
) -> Participant:
    """The participant whose confirmation code this is; refuses forged, foreign or stale codes."""

    def serial_of(participant_id: int) -> int | None:
        participant = session.get(Participant, participant_id)
        return participant.badge_serial if participant and participant.event_id == event.id else None

    checked = check_code(
        code,
        event_id=event.id,
        kind=codes.CodeKind.CONFIRMATION,
        now=now or utcnow(),
        keys_of=lambda event_id, _key_id: read_public_keys(session, event_id),
        serial_of=serial_of,
    )
    problem, payload = checked.problem, checked.payload
    genuine_not = _("This code cannot be read as a genuine code.") + " " + _desk()
    if problem is CodeProblem.UNREADABLE:
        raise UnknownCode(
            _("This code is not a confirmation code of ours. Scan the QR code in your e-mail.")
            + " "
            + _("If it still does not work, please go to the registration desk.")
        )
    if problem is CodeProblem.WRONG_EVENT:
        assert payload is not None
        other = session.get(Event, payload.event_id)
        title = other.title if other else ""
        raise WrongEvent(_("This code is for another event: %(event)s.", event=title) + " " + _desk())
    if problem is CodeProblem.INVALID:
        raise InvalidCode(genuine_not)
    if problem is CodeProblem.WRONG_KIND:
        raise InvalidCode(
            _("This is the code of a badge, not of a confirmation: a badge needs no check-in.")
            + " "
            + _("To replace a badge, please go to the registration desk.")
        )
    if problem is CodeProblem.NOT_VALID_NOW:
        raise InvalidCode(_("This code is no longer valid.") + " " + _desk())
    if problem is CodeProblem.UNKNOWN_HOLDER:
        raise UnknownCode(_("We cannot find the registration of this code.") + " " + _desk())
    assert payload is not None
    participant = session.get(Participant, payload.participant_id)
    assert participant is not None
    if problem is CodeProblem.REPLACED:
        raise _replaced(session, participant)
    return participant


def _replaced(session: Session, participant: Participant) -> DomainError:
    """The refusal of a code older than the participant's badge serial, with the way on.

    Replaced before check-in, a new confirmation e-mail carries the new code (badging.reissue_badge
    sends it): the person is sent to it. Once checked in, no e-mail follows a new badge: the person
    is told they have checked in and sent to the desk, as for any second check-in.
    """
    checkin = existing_checkin(session, participant)
    if checkin is not None:
        return _already(checkin, participant.delegation.event)
    if not mail.recipient(participant):
        return CodeReplaced(_("This code has been replaced by a newer one.") + " " + _desk())
    return CodeReplaced(
        _("This code has been replaced by a newer one. Use the most recent confirmation e-mail.")
        + " "
        + _("If you do not have it, please go to the registration desk.")
    )


def proof_matches(participant: Participant, proof: str) -> bool:
    """Whether `proof` is the participant's reference (from the confirmation e-mail).

    An e-mail address is not a proof: delegates' addresses are often public. Someone without
    their reference asks the kiosk for a one-time code instead (services.kiosk_codes).
    """
    proof = (proof or "").strip()
    if not proof or "@" in proof:
        return False
    return hmac.compare_digest(normalise_reference(proof).encode(), participant.reference.encode())


def participant_by_id(session: Session, event: Event, participant_id: int) -> Participant:
    """The participant `participant_id` of `event`."""
    participant = session.get(Participant, participant_id)
    if participant is None or participant.event_id != event.id:
        raise UnknownCode(_("We cannot find this registration.") + " " + _desk())
    return participant


def participant_for_proof(session: Session, event: Event, participant_id: int, proof: str) -> Participant:
    """The participant found by name, once they proved it is them with their reference."""
    participant = participant_by_id(session, event, participant_id)
    if "@" in (proof or ""):
        raise ProofMismatch(
            _("An e-mail address is not enough to check in.")
            + " "
            + _("Type the reference from your confirmation e-mail, or ask for a code by e-mail.")
        )
    if not proof_matches(participant, proof):
        raise ProofMismatch(
            _("This does not match the reference of this registration.")
            + " "
            + _("Check it and try again, or please go to the registration desk.")
        )
    return participant


#: Limits on "find me" and on wrong proofs, per kiosk and per participant: (events, seconds).
KIOSK_LIMITS = {"find": (30, 60.0), "proof_kiosk": (10, 600.0), "proof_participant": (5, 600.0)}
#: Limits on one-time codes: e-mails a kiosk may ask for, e-mails one participant may receive (per
#: hour), and wrong tries of one code (within its lifetime).
KIOSK_LIMITS |= {"code_kiosk": (20, 3600.0), "code_participant": (3, 3600.0), "code_attempts": (5, 600.0)}
#: The kiosk's limit of a name in KIOSK_LIMITS (kiosk.services.ratelimit.app_limit).
Limits = Callable[[str], SharedRateLimit]


def too_many() -> TooManyAttempts:
    """The refusal once a kiosk or a person has used up their attempts."""
    return TooManyAttempts(_("Too many attempts.") + " " + _("Please go to the registration desk."))


def kiosk_may_find(limits: Limits, kiosk: str) -> None:
    """Count one "find me" search of a kiosk; too many in a minute and it is refused."""
    if not limits("find").allowed(kiosk):
        raise too_many()


def kiosk_may_send_code(limits: Limits, kiosk: str, event: Event, participant_id: int) -> None:
    """Count one "send me a code" of a kiosk for a person: no kiosk may fill a mailbox."""
    if not limits("code_kiosk").allowed(kiosk) or not limits("code_participant").allowed(
        f"{event.id}:{participant_id}"
    ):
        raise too_many()


def participant_for_kiosk_proof(
    session: Session,
    event: Event,
    participant_id: int,
    proof: str,
    *,
    kiosk: str,
    limits: Limits,
    code_key: bytes,
    request_id: str | None = None,
) -> Participant:
    """A kiosk's check-in by name: never by name alone, the person proves it is them.

    The proof is the reference from the confirmation e-mail, or the one-time code the kiosk
    e-mailed (`kiosk_codes`; wrong tries also counted per code). Wrong proofs are counted per
    kiosk and per participant; past either limit the kiosk sends the person to the desk, even
    with the right proof.
    """
    from kiosk.services import kiosk_codes  # it builds on this module (participant_by_id)

    per_kiosk, per_person = limits("proof_kiosk"), limits("proof_participant")
    person_key = f"{event.id}:{participant_id}"
    if per_kiosk.exceeded(kiosk) or per_person.exceeded(person_key):
        raise too_many()
    try:
        if kiosk_codes.is_code(proof):
            return kiosk_codes.participant_for_code(
                session,
                event,
                participant_id,
                proof,
                code_key,
                limits("code_attempts"),
                request_id=request_id,
            )
        return participant_for_proof(session, event, participant_id, proof)
    except (ProofMismatch, UnknownCode):
        per_kiosk.hit(kiosk)
        per_person.hit(person_key)
        raise


def find_by_family_name(session: Session, event: Event, text: str, limit: int = 40) -> list[Participant]:
    """Accredited in-person people whose family name (or a word of it) starts with `text`.

    People already checked in are listed too, looking the same: leaving them out would tell a
    passer-by who has arrived, and would leave the person wondering. After their proof the kiosk
    tells them they have checked in and sends them to the desk (`ensure_can_check_in`).
    """
    ids = name_search.search_ids(
        session,
        event.id,
        text,
        limit=limit,
        family_only=True,
        where=(Participant.status == Status.ACCREDITED, Participant.mode == Mode.IN_PERSON),
    )
    return _people(session, ids, Delegation.name, Participant.family_name, Participant.given_name)


def _people(session: Session, ids: Sequence[int], *order: ColumnElement) -> list[Participant]:
    """These participants with their delegations, in this order (columns of Participant and Delegation)."""
    if not ids:
        return []
    return list(
        session.execute(
            select(Participant)
            .join(Delegation, Delegation.id == Participant.delegation_id)
            .where(Participant.id.in_(ids))
            .options(contains_eager(Participant.delegation))
            .order_by(*order)
        ).scalars()
    )


# --- deciding -------------------------------------------------------------------------------


def existing_checkin(session: Session, participant: Participant) -> CheckIn | None:
    """The participant's check-in, if they have checked in."""
    return session.execute(
        select(CheckIn).where(CheckIn.participant_id == participant.id)
    ).scalar_one_or_none()


def _already(checkin: CheckIn, event: Event) -> AlreadyCheckedIn:
    """The refusal of a second check-in: when the first was, in the page's language and the event's zone."""
    at = checkin.checked_in_at
    date, time = format_day(at.astimezone(event.tz).date()), format_clock(at, event.tz)
    gender = vocabulary.gender_key(checkin.participant.gender)
    if gender == Gender.FEMALE:
        said = pgettext("female", "You already checked in on %(date)s at %(time)s.", date=date, time=time)
    elif gender == Gender.MALE:
        said = pgettext("male", "You already checked in on %(date)s at %(time)s.", date=date, time=time)
    else:
        said = _("You already checked in on %(date)s at %(time)s.", date=date, time=time)
    return AlreadyCheckedIn(said + " " + _("For a new badge, please go to the registration desk."))


def ensure_can_check_in(session: Session, participant: Participant) -> None:
    """Refuse anyone who is not accredited to attend in person, or who has already checked in."""
    if participant.status != Status.ACCREDITED:
        reason = {
            Status.PENDING: _("Your registration has not been accredited yet."),
            Status.REJECTED: _("Your registration was not accepted."),
            Status.WITHDRAWN: _("Your registration was withdrawn."),
        }[participant.status]
        raise NotAccredited(reason + " " + _desk())
    if participant.mode != Mode.IN_PERSON:
        gender = vocabulary.gender_key(participant.gender)
        if gender == Gender.FEMALE:
            online = pgettext("female", "You are registered to follow the meeting online.")
        elif gender == Gender.MALE:
            online = pgettext("male", "You are registered to follow the meeting online.")
        else:
            online = _("You are registered to follow the meeting online.")
        raise NotAccredited(online + " " + _desk())
    checkin = existing_checkin(session, participant)
    if checkin is not None:
        raise _already(checkin, participant.delegation.event)


def _printer(session: Session, kind: JobKind, chosen: Printer | None, kiosk: Kiosk | None) -> Printer | None:
    """The printer for a job: the one chosen, else the kiosk's, else the default; None if there is none."""
    own = (kiosk.badge_printer if kind == JobKind.BADGE else kiosk.receipt_printer) if kiosk else None
    for printer in (chosen, own):
        if printer is not None and printer.enabled:
            return printer
    try:
        return printing.default_printer(session, kind, kiosk.name if kiosk else None)
    except NoPrinter:
        return None


def _replay(session: Session, checkin: CheckIn, request_id: str | None, event: Event) -> Arrival:
    if request_id and checkin.request_id and hmac.compare_digest(checkin.request_id, request_id):
        jobs = [job for job in (session.get(PrintJob, job_id) for job_id in checkin.job_ids) if job]
        return Arrival(checkin, checkin.participant, jobs, replayed=True)
    raise _already(checkin, event)


def check_in(
    session: Session,
    participant: Participant,
    actor: Actor,
    *,
    method: CheckInMethod,
    kiosk: Kiosk | None = None,
    user_id: int | None = None,
    request_id: str | None = None,
    badge_printer: Printer | None = None,
    receipt_printer: Printer | None = None,
    print_kinds: Sequence[JobKind] = (JobKind.BADGE, JobKind.RECEIPT),
    language: str | None = None,
    now: datetime | None = None,
) -> Arrival:
    """Check the participant in: one row, its badge and receipt queued, the counters moved.

    `language`: the receipt's (a kiosk passes the one its delegate chose); None: the participant's.

    The same `request_id` sent again returns the first check-in (`replayed`). Two requests racing
    for one participant meet at the unique constraint; the loser's transaction is rolled back
    (the caller has nothing else pending in it) and it gets the winner's answer or a refusal.
    """
    event = participant.delegation.event
    request_id = (request_id or "").strip()[:64] or None
    checkin = existing_checkin(session, participant)
    if checkin is not None:
        return _replay(session, checkin, request_id, event)
    ensure_can_check_in(session, participant)
    now = now or utcnow()
    checkin = CheckIn(
        event_id=event.id,
        participant_id=participant.id,
        checked_in_at=now,
        method=method,
        actor=actor.label[:60],
        kiosk_id=kiosk.id if kiosk else None,
        user_id=user_id,
        request_id=request_id,
        badge_serial=participant.badge_serial,
    )
    session.add(checkin)
    participant_id = participant.id
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        participant = session.get(Participant, participant_id)
        winner = existing_checkin(session, participant)
        if winner is None:
            raise
        return _replay(session, winner, request_id, event)
    chosen = {JobKind.BADGE: badge_printer, JobKind.RECEIPT: receipt_printer}
    jobs = []
    for kind in print_kinds:
        printer = _printer(session, kind, chosen.get(kind), kiosk)
        if printer is not None:
            jobs.append(printing.queue_print(session, participant, kind, printer, language=language))
    checkin.print_job_ids = ",".join(str(job.id) for job in jobs)
    category = participant.delegation.category.value
    counters.add(
        session,
        event.id,
        {"checked_in": 1, f"checked_in:{category}": 1, counters.arrival_bucket(now): 1},
    )
    live.touch(session, event.id)
    record(
        session,
        actor,
        "participant.check_in",
        "participant",
        participant.id,
        event_id=event.id,
        changes={"method": method.value, "kiosk_id": checkin.kiosk_id, "jobs": checkin.job_ids},
    )
    session.flush()
    return Arrival(checkin, participant, jobs)


@counters.recounter
def count_checkins(session: Session, event_id: int) -> Mapping[str, int]:
    """The check-in counters, from the check-ins table."""
    tally: Tally = Tally()
    rows = session.execute(
        select(CheckIn.checked_in_at, Delegation.category)
        .join(Participant, Participant.id == CheckIn.participant_id)
        .join(Delegation, Delegation.id == Participant.delegation_id)
        .where(CheckIn.event_id == event_id)
    )
    for checked_in_at, category in rows:
        tally["checked_in"] += 1
        tally[f"checked_in:{category.value}"] += 1
        tally[counters.arrival_bucket(checked_in_at)] += 1
    return tally


# --- the desk -------------------------------------------------------------------------------


def search(
    session: Session, event: Event, text: str, language: str = "en", limit: int = 50
) -> list[Participant]:
    """Anyone of the event (any status), found by the one search (name_search.search_ids), by family
    name, given name and delegation in the alphabetical order of `language`."""
    ids = name_search.search_ids(session, event.id, text, limit=limit)
    return collation.sort(
        _people(session, ids),
        language,
        lambda p: (p.family_name, p.given_name, countries.label(p.delegation, language)),
    )


def checkins_of(session: Session, participant_ids: Sequence[int]) -> dict[int, CheckIn]:
    """The check-ins of these participants, by participant id."""
    if not participant_ids:
        return {}
    rows = session.execute(select(CheckIn).where(CheckIn.participant_id.in_(participant_ids))).scalars()
    return {row.participant_id: row for row in rows}
