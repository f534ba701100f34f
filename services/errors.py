"""Domain errors raised by service functions; the API maps each to one HTTP status."""

from __future__ import annotations


class ServiceError(Exception):
    status = 500
    title = "Internal Server Error"

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(ServiceError):
    status, title = 404, "Not Found"


class Conflict(ServiceError):
    status, title = 409, "Conflict"


class InvalidInput(ServiceError):
    """Valid JSON that breaks a rule the schema could not know (a configured limit, a bad cursor)."""

    status, title = 422, "Unprocessable Entity"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors={field: [message]})


class NotReady(ServiceError):
    """The data this needs has not been built yet (no index, no trending table)."""

    status, title = 503, "Service Unavailable"


class TooManyRequests(ServiceError):
    """A per-address budget of a public form is spent; the client should wait ``retry_after`` seconds."""

    status, title = 429, "Too Many Requests"

    def __init__(self, detail: str, *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
