"""`weibao serve` in production: gunicorn with a worker count from the cores (or the setting), on
the address given, refusing to start before collectstatic; the embedded server otherwise."""

import os
from configparser import ConfigParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from weibao.front import wsgi_server
from weibao.front.management.commands import serve


def test_workers_default_to_the_cores_plus_one(monkeypatch):
    monkeypatch.delenv("WEIBAO_WEB_WORKERS", raising=False)
    monkeypatch.setattr(wsgi_server, "cores", lambda: 2)
    assert wsgi_server.default_workers() == 3
    monkeypatch.setattr(wsgi_server, "cores", lambda: 8)
    assert wsgi_server.default_workers() == 9
    monkeypatch.setenv("WEIBAO_WEB_WORKERS", "5")
    assert wsgi_server.default_workers() == 5


def test_gunicorn_options(settings):
    settings.WEIBAO_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    settings.LOG_JSON = True
    options = wsgi_server.gunicorn_options(host="0.0.0.0", port="8080", workers=7)  # noqa: S104
    assert options["bind"] == ["0.0.0.0:8080"]
    assert options["workers"] == 7 and options["worker_class"] == "sync"
    assert options["accesslog"] is None  # the request log is weibao's own (no query strings)
    assert options["forwarded_allow_ips"] == "127.0.0.1,10.0.0.0/8"
    formatter = options["logconfig_dict"]["formatters"]["json"]
    assert formatter["()"] == "weibao.core.logging.JsonFormatter"
    assert wsgi_server.gunicorn_options(host="::1", port="8000", workers=1)["bind"] == [
        "[::1]:8000"
    ]


def test_gunicorn_accepts_every_option(settings):
    from gunicorn.config import Config

    settings.LOG_JSON = True
    config = Config()
    for key, value in wsgi_server.gunicorn_options(
        host="127.0.0.1", port="8000", workers=2
    ).items():
        config.set(key, value)
    assert config.workers == 2 and config.bind == ["127.0.0.1:8000"]


@pytest.fixture
def production(settings, tmp_path):
    settings.PRODUCTION = True
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    return settings


def test_production_refuses_to_start_before_collectstatic(production, monkeypatch):
    started = []
    monkeypatch.setattr(wsgi_server, "run", lambda **kw: started.append(kw))
    with pytest.raises(CommandError, match="collectstatic"):
        call_command("serve", "--port", "8123")
    assert not started


def test_production_runs_gunicorn_not_the_jobs(production, monkeypatch, tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    started = []
    monkeypatch.setattr(wsgi_server, "run", lambda **kw: started.append(kw))
    monkeypatch.setattr(serve, "run_daily_logged", lambda *a, **kw: pytest.fail("no job here"))
    monkeypatch.setenv("WEIBAO_WEB_WORKERS", "3")
    call_command("serve", "--host", "127.0.0.2", "--port", "8123")
    assert started == [{"host": "127.0.0.2", "port": "8123", "workers": 3}]


def test_the_address_may_come_from_the_environment(production, monkeypatch, tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    started = []
    monkeypatch.setattr(wsgi_server, "run", lambda **kw: started.append(kw))
    monkeypatch.setenv("WEIBAO_HOST", "127.0.0.3")
    monkeypatch.setenv("WEIBAO_PORT", "8124")
    call_command("serve", "--workers", "2")
    assert started == [{"host": "127.0.0.3", "port": "8124", "workers": 2}]


def test_the_master_loads_the_application_and_workers_are_replaced_one_by_one():
    options = wsgi_server.gunicorn_options(host="127.0.0.1", port="8000", workers=5)
    assert options["preload_app"] is True
    # Half the count: workers started together reach it at different times.
    assert options["max_requests_jitter"] * 2 == options["max_requests"]


def test_warming_compiles_every_template_without_the_database():
    # No django_db mark: pytest-django fails any query here.
    from django.template import engines

    loader = engines["django"].engine.template_loaders[0]  # the cached loader
    loader.reset()
    compiled = wsgi_server.warm()
    assert compiled > 300  # the site's, the apps', Django's widgets and admin
    cached = set(loader.get_template_cache)
    assert {"base.html", "visits/worklist.html", "django/forms/widgets/input.html"} <= cached


def test_nothing_the_master_opened_is_left_for_the_workers(monkeypatch):
    from django.core.cache import caches
    from django.db import connections

    closed = []
    for connection in connections.all(initialized_only=True):
        monkeypatch.setattr(connection, "close", lambda c=connection: closed.append(c.alias))
    monkeypatch.setattr(caches, "close_all", lambda: closed.append("caches"))
    wsgi_server.close_shared()
    assert "default" in closed and "caches" in closed


def test_what_the_master_built_is_frozen_before_the_fork(monkeypatch):
    import gc

    closed = []
    monkeypatch.setattr(wsgi_server, "close_shared", lambda: closed.append(True))
    monkeypatch.setattr(wsgi_server, "warm", lambda: 0)
    gc.unfreeze()
    try:
        application = wsgi_server.master_application()
        assert callable(application) and closed == [True]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_socket_passed_by_systemd_is_recognised_only_when_it_is_for_this_process(monkeypatch):
    monkeypatch.setenv("LISTEN_FDS", "1")
    monkeypatch.setenv("LISTEN_PID", str(os.getpid()))
    assert wsgi_server.socket_activated()
    # An inherited environment meant for the parent (sd_listen_fds(3) checks the pid).
    monkeypatch.setenv("LISTEN_PID", str(os.getpid() + 1))
    assert not wsgi_server.socket_activated()
    monkeypatch.setenv("LISTEN_PID", str(os.getpid()))
    monkeypatch.setenv("LISTEN_FDS", "0")
    assert not wsgi_server.socket_activated()


def test_the_start_says_it_serves_on_systemds_socket(production, monkeypatch, tmp_path, capsys):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    monkeypatch.setattr(wsgi_server, "run", lambda **kw: None)
    monkeypatch.setenv("LISTEN_FDS", "1")
    monkeypatch.setenv("LISTEN_PID", str(os.getpid()))
    call_command("serve", "--workers", "2")
    assert "gunicorn on the socket systemd passed" in capsys.readouterr().out


def test_the_web_units_keep_the_socket_outside_gunicorn_where_nginx_sends_requests():
    """The restart without refused requests of docs/deploy.md: systemd holds the socket and
    the service needs it; gunicorn tells systemd when it is ready; nginx sends its requests to
    the socket's address."""
    deploy = Path(__file__).resolve().parents[2] / "deploy"

    def unit(name):
        parser = ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(deploy / "systemd" / name)
        return parser

    socket_unit, service = unit("weibao-web.socket"), unit("weibao-web.service")
    address = socket_unit["Socket"]["ListenStream"]
    assert address.startswith("127.0.0.1:")
    assert "weibao-web.socket" in service["Unit"]["Requires"].split()
    assert service["Service"]["Type"] == "notify"
    assert f"proxy_pass http://{address};" in (deploy / "nginx" / "weibao.conf").read_text()
