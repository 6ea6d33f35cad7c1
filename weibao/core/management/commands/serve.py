from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve weibao on the embedded web server (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        self.stdout.write(f"weibao: http://{host}:{port}/  (Ctrl-C to stop)")
        call_command("runserver", f"{host}:{port}", use_reloader=False)
