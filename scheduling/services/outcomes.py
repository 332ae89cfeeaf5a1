"""What a request got: the ``Allocation`` every seating service answers with."""

from dataclasses import dataclass, field

from scheduling.models import (
    Token,
)


class Outcome:
    DIRECT = "direct"
    BUMPED = "bumped"
    MOVED = "moved"
    WAITLISTED = "waitlisted"
    EMERGENCY = "emergency"
    RESERVE = "emergency_reserve"
    OVERFLOW = "overflow"


@dataclass
class Allocation:
    """What a request got: a token (and whom it bumped) or a waiting entry, and why."""

    outcome: str
    message: str
    token: Token | None = None
    waiting: object | None = None
    bumped: list[Token] = field(default_factory=list)

    @property
    def waitlisted(self) -> bool:
        return self.waiting is not None
