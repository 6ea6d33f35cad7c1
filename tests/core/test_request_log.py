"""Structured logs: each request has an id (the one it came with, or a new one) returned in
X-Request-ID and carried by every log line written meanwhile; one JSON line per request with the
method, the path without the query string, the status, the time and the user's id — never a
name, an ID number or a search."""

import io
import json
import logging
import re
import sys

import pytest
from django.test import Client

from weibao.core.logging import JsonFormatter, request_id_var


@pytest.fixture
def json_lines():
    """Every line written under the weibao loggers, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger("weibao.request"), logging.getLogger("weibao.health")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


def test_a_request_gets_an_id_and_sends_it_back(db):
    response = Client().get("/accounts/login/")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert Client().get("/accounts/login/")["X-Request-ID"] != response["X-Request-ID"]


def test_the_id_it_came_with_is_kept(db):
    given = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    assert Client(HTTP_X_REQUEST_ID=given).get("/accounts/login/")["X-Request-ID"] == given


@pytest.mark.parametrize(
    "odd", ["short", "x" * 65, "abc def ghi jk", "a\\nb" * 4, "名字名字名字名字"]
)
def test_an_odd_id_is_replaced(db, odd):
    returned = Client(HTTP_X_REQUEST_ID=odd).get("/accounts/login/")["X-Request-ID"]
    assert returned != odd and re.fullmatch(r"[0-9a-f]{32}", returned)


def test_one_line_per_request_without_the_query_string(db, director_a, json_lines):
    client = Client()
    client.force_login(director_a)
    response = client.get("/children/?q=张小明&id_number=310105201506010011")
    lines = [line for line in json_lines() if line["logger"] == "weibao.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET"
    assert line["path"] == "/children/"
    assert line["status"] == response.status_code == 200
    assert line["user_id"] == director_a.pk
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == response["X-Request-ID"]
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")
    text = json.dumps(line, ensure_ascii=False)
    for secret in ("张小明", "310105201506010011", "q=", director_a.username):
        assert secret not in text
    if director_a.full_name:
        assert director_a.full_name not in text


def test_anonymous_requests_have_no_user(db, json_lines):
    Client().get("/accounts/login/?next=/children/")
    (line,) = [line for line in json_lines() if line["logger"] == "weibao.request"]
    assert line["user_id"] is None and line["path"] == "/accounts/login/"


def test_lines_written_during_the_request_carry_its_id(db, settings, json_lines):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # the health check logs its failure
    response = Client(HTTP_X_REQUEST_ID="monitor-0001").get("/healthz")
    assert response.status_code == 503
    ids = {line["logger"]: line.get("request_id") for line in json_lines()}
    assert ids == {"weibao.health": "monitor-0001", "weibao.request": "monitor-0001"}
    assert request_id_var.get() == ""  # and nothing after it


def test_the_formatter_writes_one_json_object_a_line():
    record = logging.LogRecord("weibao.x", logging.WARNING, __file__, 1, "a %s", ("b",), None)
    entry = json.loads(JsonFormatter().format(record))
    assert (
        entry["message"] == "a b" and entry["level"] == "WARNING" and entry["logger"] == "weibao.x"
    )
    assert "request_id" not in entry


def test_the_formatter_drops_the_request_object_djangos_loggers_pass(rf):
    # django.request logs the request itself: its text holds the query string.
    request = rf.get("/children/?q=张小明")
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Not Found: %s",
                               (request.path,), None)  # fmt: skip
    record.request = request
    record.status_code = 404
    line = JsonFormatter().format(record)
    assert "张小明" not in line and "q=" not in line
    assert json.loads(line)["status_code"] == 404


def test_the_formatter_keeps_the_traceback_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "weibao.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]
