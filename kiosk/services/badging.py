"""Badges of participants: what is printed on them, their signed code, and reissuing them."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from badges.render import BadgeData, BadgeFormat, category_label, render_pdf, render_png
from kiosk.models import CheckIn, Event, Participant, Status
from kiosk.services import countries, mail, titles
from kiosk.services.audit import Actor, record
from kiosk.services.dates import format_days
from kiosk.services.errors import NotAccredited, ValidationFailed
from kiosk.services.keys import badge_code
from kiosk.services.registration import raise_badge_serial
from kiosk.services.vocabulary import function_label, label

#: The names of badge formats as the API and the command line spell them.
FORMAT_NAMES: dict[str, BadgeFormat] = {
    "card": BadgeFormat.CARD_LANDSCAPE,
    "card_landscape": BadgeFormat.CARD_LANDSCAPE,
    "card_portrait": BadgeFormat.CARD_PORTRAIT,
    "a6": BadgeFormat.A6,
}

#: The CUPS media name of each badge format.
CUPS_MEDIA: dict[BadgeFormat, str] = {
    BadgeFormat.CARD_LANDSCAPE: "Custom.85.6x53.98mm",
    BadgeFormat.CARD_PORTRAIT: "Custom.53.98x85.6mm",
    BadgeFormat.A6: "A6",
}


def badge_format(name: str | None) -> BadgeFormat:
    """The badge format called `name` (card, card_portrait or a6; default card)."""
    if not name:
        return BadgeFormat.CARD_LANDSCAPE
    try:
        return FORMAT_NAMES[name.strip().lower()]
    except KeyError:
        raise ValidationFailed(
            _("Unknown badge format “%(name)s”.", name=name),
            {"format": [_("Use card, card_portrait or a6.")]},
        ) from None


def event_dates(event: Event, locale: str = "en") -> str:
    """The event's days as printed on badges in `locale`, e.g. "18–20 June 2024", "18–20 juin 2024"."""
    return format_days(event.starts_on, event.ends_on, locale)


def printed_name(participant: Participant, language: str | None = None) -> str:
    """The name as printed on badges and receipts in `language` ("Mme Amina DIALLO", "王小明先生")."""
    return titles.participant_name(participant, language)


def badge_number(participant: Participant) -> str:
    """The number printed on a badge, e.g. IM2024-000123-2 (event, participant, serial)."""
    event = participant.delegation.event
    return f"{event.slug.upper()}-{participant.id:06d}-{participant.badge_serial}"


def ensure_accredited(participant: Participant) -> None:
    """Refuse a badge to anyone who is not accredited."""
    if participant.status != Status.ACCREDITED:
        raise NotAccredited(
            _(
                "%(name)s is not accredited (status “%(status)s”); only accredited participants get a badge.",
                name=participant.full_name,
                status=label(participant.status),
            )
        )


def badge_data(session: Session, participant: Participant, locale: str | None = None) -> BadgeData:
    """Everything printed on the participant's badge, in `locale` (default: the event's badge language)."""
    ensure_accredited(participant)
    delegation = participant.delegation
    event = delegation.event
    locale = locale or event.badge_language or "en"
    category = delegation.category.value
    return BadgeData(
        event_title=event.title,
        event_dates=event_dates(event, locale),
        name=printed_name(participant, locale),
        delegation=countries.label(delegation, locale),
        function=function_label(participant.function, locale, participant.gender) or None,
        category=category,
        category_label=category_label(category, locale),
        badge_number=badge_number(participant),
        code=badge_code(session, participant),
        photo=participant.photo,
        venue=event.venue.name if event.venue else None,
    )


def badge_png(
    session: Session, participant: Participant, fmt: BadgeFormat = BadgeFormat.CARD_LANDSCAPE
) -> bytes:
    """The participant's badge as a 300 dpi PNG."""
    return render_png(badge_data(session, participant), fmt)


def badge_pdf(
    session: Session, participant: Participant, fmt: BadgeFormat = BadgeFormat.CARD_LANDSCAPE
) -> bytes:
    """The participant's badge as a PDF page of the format's exact size."""
    return render_pdf(badge_data(session, participant), fmt)


def reissue_badge(session: Session, participant: Participant, actor: Actor) -> int:
    """Give the participant a new badge serial, which revokes every earlier badge; return it.

    Before check-in the new serial replaces the confirmation code too: a new confirmation e-mail
    is queued with it. After check-in no e-mail is sent (the code has done its work).
    """
    ensure_accredited(participant)
    old, new = raise_badge_serial(session, participant)
    checked_in = session.execute(
        select(CheckIn.id).where(CheckIn.participant_id == participant.id)
    ).scalar_one_or_none()
    if checked_in is None:
        mail.queue_confirmation(session, participant)
    record(
        session,
        actor,
        "badge_reissued",
        "participant",
        participant.id,
        event_id=participant.event_id,
        changes={"badge_serial": [old, new]},
    )
    return new
