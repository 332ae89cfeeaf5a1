"""One JSON object per log line, with whatever ``extra`` the caller passed.

Every line written while a request is being served carries that request's id (set by
``RequestLogMiddleware``), including Django's own "Internal Server Error" tracebacks, so one
``grep`` for the ``X-Request-ID`` a user reports finds everything the request logged.
"""

import json
import logging
from contextvars import ContextVar

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

# The id of the request the current thread is serving; None outside a request.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id.get()
        if request_id is not None:
            payload["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key != "request":
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)
