"""SMS backends for the tick's tests: one that fails until told otherwise."""

from scheduling import sms


class FlakySMSBackend:
    """Fails while ``failures_left`` is above zero, then delivers to ``scheduling.sms.outbox``."""

    failures_left = 0
    attempts = 0

    def send(self, to: str, body: str) -> None:
        type(self).attempts += 1
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            raise ConnectionError("SMS gateway unreachable")
        sms.outbox.append({"to": to, "body": body})
