"""Process-wide logging set-up: the text format, or one JSON object per line (LOG_FORMAT=json).

Every record carries the id of the request it was made for (``request_id``, "-" outside a request;
see services/api/request_context.install_log_records), so a log collector can join an API line, its
access-log line and what the request triggered.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s: %(message)s"
JSON = "json"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request id, process."""

    converter = time.gmtime  # timestamps in UTC, as the "Z" says

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "process": record.process,
        }
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)




def formatter(log_format: str, text_format: str = TEXT_FORMAT) -> logging.Formatter:
    return JsonFormatter() if log_format == JSON else logging.Formatter(text_format)


def configure(level: str, log_format: str, text_format: str = TEXT_FORMAT) -> None:
    """Send the root logger's records to stderr in the chosen format (replacing handlers set up before)."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format, text_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "paperfeed", False):
            root.removeHandler(old)
    handler.paperfeed = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
