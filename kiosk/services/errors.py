"""Domain errors: each carries a stable code, an HTTP status and a sentence for people."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken; `detail` is a sentence a person understands."""

    code = "error"
    status = 400
    title = "Request refused"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class ValidationFailed(DomainError):
    code, status, title = "invalid", 422, "Invalid input"


class DelegationFull(DomainError):
    code, status, title = "delegation_full", 409, "Delegation full"


class RegistrationClosed(DomainError):
    code, status, title = "registration_closed", 403, "Registration closed"


class DuplicateParticipant(DomainError):
    code, status, title = "duplicate_participant", 409, "Already registered"


class InvalidTransition(DomainError):
    code, status, title = "invalid_transition", 409, "Status change not allowed"


class NotFound(DomainError):
    code, status, title = "not_found", 404, "Not found"


class ImportFailed(DomainError):
    """An import was refused; `errors` maps 'row N' to that row's problems."""

    code, status, title = "import_failed", 422, "Import refused"


class NotAccredited(DomainError):
    code, status, title = "not_accredited", 409, "Not accredited"


class NoPrinter(DomainError):
    code, status, title = "no_printer", 409, "No printer"


class UnknownCode(DomainError):
    code, status, title = "unknown_code", 404, "Unknown code"


class InvalidCode(DomainError):
    code, status, title = "invalid_code", 422, "Invalid code"


class WrongEvent(DomainError):
    code, status, title = "wrong_event", 403, "Another event's code"


class CodeReplaced(DomainError):
    code, status, title = "code_replaced", 409, "Code replaced"


class AlreadyCheckedIn(DomainError):
    code, status, title = "already_checked_in", 409, "Already checked in"


class ProofMismatch(DomainError):
    code, status, title = "proof_mismatch", 403, "Proof does not match"


class TooManyAttempts(DomainError):
    code, status, title = "too_many_attempts", 429, "Too many attempts"


class CodeExpired(DomainError):
    """A one-time code from a kiosk that has expired, was used, or was replaced: ask for a new one."""

    code, status, title = "code_expired", 403, "Code expired"


class NoAddress(DomainError):
    """No e-mail address to send a one-time code to."""

    code, status, title = "no_address", 409, "No e-mail address"


class KioskNotEnrolled(DomainError):
    code, status, title = "kiosk_not_enrolled", 403, "Not an enrolled kiosk"


class CodeNeverValid(DomainError):
    """A code would have an empty validity window (the event ended before it was created)."""

    code, status, title = "code_never_valid", 409, "Code would never be valid"


class CredentialsMissing(DomainError):
    """Accreditation needs an accepted credentials document naming the person (the event's rule)."""

    code, status, title = "credentials_missing", 409, "Credentials missing"
