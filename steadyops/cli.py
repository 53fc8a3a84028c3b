"""The `steadyops` command: Django's management commands, with configuration errors in plain words."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "steadyops.settings")
    from steadyops.core.env import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        print(f"steadyops: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "steadyops"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
