#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path

# What marks a configured machine: any of these in the environment or in .env.
CONFIGURED_BY = ("DEBUG", "SECRET_KEY", "DATABASE_URL")


def development_checkout() -> bool:
    """A checkout nobody configured: no DEBUG, SECRET_KEY or DATABASE_URL anywhere, so the local SQLite file.

    There `manage.py makemigrations`, `check`, `shell` … run in development mode, as `make run` does, instead of
    stopping for the secrets production must set. A machine with any of them set (production: its database and
    secrets) gets exactly what it configured, so nothing there ever runs with DEBUG or demo accounts by accident.
    """
    if any(os.environ.get(name) for name in CONFIGURED_BY):
        return False
    env_file = Path(__file__).resolve().parent / ".env"
    if env_file.exists():
        names = {
            line.split("=", 1)[0].strip().removeprefix("export ").strip() for line in env_file.read_text().splitlines()
        }
        if names & set(CONFIGURED_BY):
            return False
    return True


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mechanic_shop.settings")
    if development_checkout():
        os.environ["DEBUG"] = "true"
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
