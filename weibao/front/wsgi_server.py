"""The production web server of `weibao serve`: gunicorn, run in-process (docs/deploy.md).

Sync workers, as many as WEIBAO_WEB_WORKERS or the cores + 1: one request per worker at a time,
and one worker more than the cores, to run while another waits on the database. A page here
spends about five times as long in Python as in PostgreSQL, so more workers than that only
share the cores more finely. In the load test on two cores (docs/performance.md, "The load
test's knee: three workers, not five"), three workers spent as much or less CPU a request
than five (gunicorn's general advice, 2 × the cores + 1) in every comparison, up to 13 % less,
with a lower p95 below saturation and the same at it; nine had spent more again ("The
sign-ins out of the window, and 5 or 9 workers"). An instance whose database is on another
machine waits longer for it, and one worker streaming a long export is busy meanwhile:
docs/deploy.md says when to raise the count.

The master loads the application and warms it (`warm`) before it forks the workers
(gunicorn's preload): every worker, the first ones and each one that replaces a worker past
`max_requests`, starts with its URLs, catalogs and templates ready. Without it, a new worker
paid for them in its first requests (the first worklist cost 360 ms of CPU, against 13 ms
warm), and the five, started together, reached `max_requests` together: the load test saw
the whole server replaced within six seconds, p99 1.1 s (docs/performance.md, "The load
generator's own wait, and workers replaced together"). Nothing the master opened is shared:
it opens no connection while warming and closes any before the fork, so each worker opens
its own database pool and cache connections at its first request. An upgrade restarts the
service (docs/deploy.md), which loads the new code; a reload (SIGHUP) would not.
Gunicorn writes no access log: the request log of
core.middleware.RequestLogMiddleware has the request id, the user's id and no query string."""

import gc
import os
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import reverse
from django.utils import translation

# The templates' file names: everything under a template directory with one of these endings.
TEMPLATE_ENDINGS = (".html", ".txt", ".xml")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def socket_activated() -> bool:
    """Whether systemd started this process with its listening socket (weibao-web.socket;
    sd_listen_fds(3)): gunicorn then serves on that socket and ignores the address it is given,
    and a restart keeps the socket open, so no request is refused meanwhile."""
    for_this_process = os.environ.get("LISTEN_PID") == str(os.getpid())
    return for_this_process and os.environ.get("LISTEN_FDS", "0").strip() not in ("", "0")


def default_workers() -> int:
    configured = os.environ.get("WEIBAO_WEB_WORKERS", "").strip()
    return int(configured) if configured else cores() + 1


def gunicorn_options(*, host: str, port: str, workers: int) -> dict[str, object]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options: dict[str, object] = {
        "bind": [bind],
        "workers": workers,
        "worker_class": "sync",
        # A PDF or an export may take a while; a worker stuck longer is killed and replaced.
        "timeout": int(os.environ.get("WEIBAO_WEB_TIMEOUT", "120")),
        "graceful_timeout": 30,
        # Workers are replaced now and then, so a slow leak never grows. Each replacement takes
        # its worker out for about 2.5 s (its last request, its exit, the fork): at 15 requests
        # a second a worker, each after 6 to 17 minutes. The jitter is half the count, so workers
        # started together are replaced one by one.
        "max_requests": 10000,
        "max_requests_jitter": 5000,
        "preload_app": True,
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "weibao-web",
        # X-Forwarded-Proto is Django's to judge (WEIBAO_PROXY_SSL_HEADER), not gunicorn's.
        "forwarded_allow_ips": ",".join(settings.WEIBAO_TRUSTED_PROXIES) or "127.0.0.1",
        "secure_scheme_headers": {},
        # Gunicorn's runtime control socket (one per user, in the home directory) is not used:
        # systemd starts, stops and restarts the server (docs/deploy.md).
        "control_socket_disable": True,
    }
    if getattr(settings, "LOG_JSON", False):
        json_formatter = {"()": "weibao.core.logging.JsonFormatter"}
        console = {"class": "logging.StreamHandler", "formatter": "json"}
        options["logconfig_dict"] = {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": json_formatter},
            "handlers": {"console": console, "error_console": console},
            "root": settings.LOGGING.get("root", {"level": "WARNING", "handlers": ["console"]}),
            "loggers": {
                "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
                "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            },
        }
    return options


def _template_names(directory: Path):
    for path in directory.rglob("*"):
        if path.suffix in TEMPLATE_ENDINGS and path.is_file():
            yield path.relative_to(directory).as_posix()


def warm() -> int:
    """Do once, in the master, what each worker's first requests would otherwise do: import
    every URL pattern and build the reverse lookup in each language, read every language's
    catalogs, compile every template into the cached loader (the first one found under a
    name, as a request would). Touches neither the database nor the cache. Returns how many
    templates it compiled."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Home")
            reverse("home")
    compiled = 0
    for backend in engines.all():
        for directory in backend.template_dirs:
            for name in _template_names(Path(directory)):
                try:
                    backend.get_template(name)
                except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
                    continue  # not a template of this engine: left to fail as it would
                compiled += 1
    return compiled


def close_shared() -> None:
    """What a forked worker must not inherit: database connections (and pools), cache
    clients."""
    for connection in connections.all(initialized_only=True):
        if hasattr(connection, "close_pool"):
            connection.close_pool()
        connection.close()
    caches.close_all()


def master_application():
    """The application as the master loads it before the fork (preload_app; see the module's
    docstring): warmed, nothing shared left open, and what it built frozen — Python's
    collector no longer walks those objects in the workers (a full collection walked every
    one of them, in every worker, and wrote to their pages, copying them into each), the
    `gc.freeze()` the Python documentation gives for a server that forks."""
    application = get_wsgi_application()
    warm()
    close_shared()
    gc.freeze()
    return application


def run(*, host: str, port: str, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class WeibaoApplication(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_options(host=host, port=port, workers=workers).items():
                self.cfg.set(key, value)

        def load(self):
            return master_application()

    WeibaoApplication().run()
