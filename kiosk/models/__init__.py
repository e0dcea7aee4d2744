"""The data model: one module per aggregate."""

from __future__ import annotations

from kiosk.models.audit import AuditEntry
from kiosk.models.base import Base
from kiosk.models.checkin import CheckIn, CheckInMethod
from kiosk.models.counter import Counter
from kiosk.models.delegation import STATE_CATEGORIES, Category, Delegation
from kiosk.models.document import Authority, CredentialDocument, Decision, DocumentKind
from kiosk.models.door import (
    Checkpoint,
    CheckpointDirection,
    Direction,
    HolderChange,
    Presence,
    Reason,
    Scan,
    ScanResult,
)
from kiosk.models.event import Event, EventKey, Meeting, Venue
from kiosk.models.identity_details import IdentityDetails
from kiosk.models.kiosk import Kiosk, KioskCode
from kiosk.models.mail import MailStatus, OutgoingMail
from kiosk.models.participant import (
    ACTIVE_STATUSES,
    TRANSITIONS,
    Gender,
    Mode,
    NameKey,
    Participant,
    Status,
)
from kiosk.models.printing import (
    JOB_TRANSITIONS,
    JobKind,
    JobStatus,
    Printer,
    PrinterKind,
    PrintJob,
    PrintWorker,
)
from kiosk.models.server import WebServer
from kiosk.models.user import (
    STAFF_ROLES,
    ApiToken,
    DelegationSession,
    RecoveryCode,
    Role,
    User,
    UserSession,
)

__all__ = [
    "ACTIVE_STATUSES",
    "STATE_CATEGORIES",
    "STAFF_ROLES",
    "TRANSITIONS",
    "ApiToken",
    "Authority",
    "CredentialDocument",
    "Decision",
    "DocumentKind",
    "AuditEntry",
    "Base",
    "Category",
    "CheckIn",
    "CheckInMethod",
    "Checkpoint",
    "CheckpointDirection",
    "Direction",
    "HolderChange",
    "Presence",
    "Reason",
    "Scan",
    "ScanResult",
    "Counter",
    "Delegation",
    "DelegationSession",
    "Event",
    "EventKey",
    "IdentityDetails",
    "Gender",
    "Kiosk",
    "KioskCode",
    "MailStatus",
    "Meeting",
    "Mode",
    "NameKey",
    "OutgoingMail",
    "Participant",
    "RecoveryCode",
    "Role",
    "Status",
    "User",
    "UserSession",
    "WebServer",
    "Venue",
    "JOB_TRANSITIONS",
    "JobKind",
    "JobStatus",
    "PrintJob",
    "PrintWorker",
    "Printer",
    "PrinterKind",
]
