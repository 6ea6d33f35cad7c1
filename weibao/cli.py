"""The `weibao` console command: manage.py under a name people can remember."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(
        [*sys.argv[:1], *sys.argv[1:]] if len(sys.argv) > 1 else [sys.argv[0], "help"]
    )


if __name__ == "__main__":
    main()
