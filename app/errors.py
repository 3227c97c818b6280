"""Domain exceptions raised by services; app.web.errors turns each into one HTTP answer."""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors a person can act on; ``message`` is shown to them."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """Missing *or* belonging to another practice/caseload: we never say which."""

    status_code = 404

    def __init__(self, entity: str) -> None:
        super().__init__(f"{entity} not found")


class Conflict(DomainError):
    status_code = 409


class Forbidden(DomainError):
    """Used only for role checks inside one practice (e.g. a counselor managing staff)."""

    status_code = 403


class InvalidField(DomainError):
    """A value that passed type checks but breaks a rule, named by its field."""

    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class TooManyAttempts(DomainError):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed attempts; try again later")
        self.retry_after = retry_after
