"""Structured logging: one JSON object per line, and nothing a person typed.

Request bodies, query strings and POST data never reach a log record: a
reporter's words or a receipt code must not end up in log files.
"""

import json
import logging
from datetime import UTC, datetime

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_UNSAFE_EXTRAS = {"request", "body", "data", "POST", "GET", "params"}


class ScrubRequestFilter(logging.Filter):
    """Replace a request object attached by Django with its method and path only."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "method"):
            record.request = f"{request.method} {getattr(request, 'path', '')}"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD_ATTRS or key.startswith("_"):
                continue
            if key in _UNSAFE_EXTRAS and key != "request":
                continue
            payload[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)
