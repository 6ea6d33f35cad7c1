# The Celery app is loaded with Django so that tasks bind to it (and run in-process in embedded
# mode). Celery is optional: without it installed, everything but the background worker works.
try:
    import celery  # noqa: F401
except ModuleNotFoundError:  # pragma: no cover
    celery_app = None
else:
    from weibao.celery import app as celery_app

__all__ = ("celery_app",)
