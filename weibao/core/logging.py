"""Structured logs for production: one JSON object a line (docs/deploy.md).

Every record carries the id of the request it was written in (core.middleware.RequestLogMiddleware
sets it for the length of the request), so the lines of one request can be found together and
matched with the X-Request-ID the proxy and the browser saw. Only what the record itself holds
is written: the request log's fields are chosen there never to include a name, an ID number or
a query string."""

import contextvars
import datetime as dt
import json
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

# Attributes every LogRecord has: anything else was passed with `extra=` and is written as is.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            # Plain values only: Django's loggers pass the request object itself, whose text
            # holds the query string (which can hold a child's name).
            if (
                key not in _STANDARD
                and key not in entry
                and not key.startswith("_")
                and isinstance(value, str | int | float | bool | None)
            ):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)
