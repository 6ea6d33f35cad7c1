"""The production web server of `weibao serve`: gunicorn, run in-process (docs/deploy.md).

Sync workers, as many as WEIBAO_WEB_WORKERS or 2 × the cores + 1 (gunicorn's own advice: one
request per worker at a time, while another waits on the database). Nine workers on two
cores spent more CPU per request and had a higher p95 in the load test (docs/performance.md,
"The sign-ins out of the window, and 5 or 9 workers"). Each worker loads the
application itself after the fork (no preload), so it opens its own database pool. Gunicorn
writes no access log: the request log of core.middleware.RequestLogMiddleware has the request
id, the user's id and no query string."""

import os

from django.conf import settings


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    configured = os.environ.get("WEIBAO_WEB_WORKERS", "").strip()
    return int(configured) if configured else 2 * cores() + 1


def gunicorn_options(*, host: str, port: str, workers: int) -> dict[str, object]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options: dict[str, object] = {
        "bind": [bind],
        "workers": workers,
        "worker_class": "sync",
        # A PDF or an export may take a while; a worker stuck longer is killed and replaced.
        "timeout": int(os.environ.get("WEIBAO_WEB_TIMEOUT", "120")),
        "graceful_timeout": 30,
        # Workers are replaced now and then, so a slow leak never grows.
        "max_requests": 2000,
        "max_requests_jitter": 200,
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


def run(*, host: str, port: str, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class WeibaoApplication(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_options(host=host, port=port, workers=workers).items():
                self.cfg.set(key, value)

        def load(self):
            # In each worker, after the fork (as weibao.wsgi does for any other WSGI server).
            from django.core.wsgi import get_wsgi_application

            return get_wsgi_application()

    WeibaoApplication().run()
