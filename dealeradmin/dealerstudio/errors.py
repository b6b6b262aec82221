"""One family of errors for everything that can go wrong talking to DealerStudio.

Each carries a message a person can read; views show `error.message` as it is.
"""

from dataclasses import dataclass, field
from typing import ClassVar

TOKEN_INVALID = (
    "DealerStudio no longer accepts your API token. Store a current token on the token page, "
    "then save again: your changes are still in the form."
)
ACCESS_DENIED = "DealerStudio denied access: your API token does not reach this dealership."
NOT_FOUND = "DealerStudio does not know this lead cluster (it may have been deleted or merged)."
REJECTED = "DealerStudio rejected the change."
RATE_LIMITED = "DealerStudio is limiting how fast we can send changes. Try again {when}."
UNAVAILABLE = (
    "DealerStudio is having trouble right now (HTTP {status}). Nothing was saved; "
    "try again shortly."
)
TIMED_OUT = (
    "DealerStudio did not answer in time. The change may or may not have been saved; "
    "check the cluster in a minute before trying again."
)
CONNECTION_DROPPED = (
    "The connection to DealerStudio broke before it answered. The change may or may not have "
    "been saved; check the cluster in a minute before trying again."
)
CONNECT_TIMED_OUT = (
    "DealerStudio could not be reached in time. Nothing was sent; try again shortly."
)
CONNECTION_FAILED = (
    "DealerStudio could not be reached (connection refused). Nothing was sent; try again shortly."
)
MALFORMED = (
    "DealerStudio sent an answer we could not read (HTTP {status}). "
    "The change may or may not have been saved; check the cluster before trying again."
)
UNEXPECTED = "DealerStudio answered with an unexpected status (HTTP {status}). Nothing was saved."


@dataclass
class DealerStudioError(Exception):
    message: str
    status: int | None = None
    # True where the request may have been applied: nobody can say it was not saved.
    outcome_unknown: ClassVar[bool] = False

    def __str__(self) -> str:
        return self.message

    @property
    def detail(self) -> str:
        """The message, with any reasons DealerStudio gave (for the audit log)."""
        return self.message


class TokenInvalid(DealerStudioError):
    """401: the token is missing, wrong or revoked."""


class AccessDenied(DealerStudioError):
    """403: the token does not reach that dealership."""


class NotFound(DealerStudioError):
    """404: no such cluster (or dealership)."""


@dataclass
class Rejected(DealerStudioError):
    """422: the body was refused; `field_errors` maps DealerStudio's field names to messages."""

    field_errors: dict[str, list[str]] = field(default_factory=dict)
    base_errors: list[str] = field(default_factory=list)

    @property
    def detail(self) -> str:
        reasons = [
            *self.base_errors,
            *(f"{name}: {text}" for name, texts in self.field_errors.items() for text in texts),
        ]
        return f"{self.message} {'; '.join(reasons)}" if reasons else self.message


@dataclass
class RateLimited(DealerStudioError):
    """429: `retry_after` seconds, when DealerStudio said."""

    retry_after: float | None = None


class Unavailable(DealerStudioError):
    """5xx."""


class TimedOut(DealerStudioError):
    """The request may have reached DealerStudio; its outcome is unknown."""

    outcome_unknown = True


class ConnectionFailed(DealerStudioError):
    """The request never left: refused, DNS, connect timeout."""


class MalformedResponse(DealerStudioError):
    """A 2xx or error whose body is not the JSON we expected."""

    @property
    def outcome_unknown(self) -> bool:  # a 2xx: it may well have been applied
        return self.status is not None and 200 <= self.status < 300


class UnexpectedStatus(DealerStudioError):
    """Any other status."""
