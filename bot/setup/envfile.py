"""The new App's settings as ``.env`` lines, merged into the file Kiln reads at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from io import StringIO
from pathlib import Path

from dotenv.parser import parse_stream

from bot.setup.conversion import CreatedApp

PLAIN = re.compile(r"[A-Za-z0-9_.:/@+-]*")
# Inside double quotes dotenv readers still expand these; GitHub's values never hold them.
UNQUOTABLE = ('"', "\\", "$", "`")
HEADER = "# The GitHub App {name}, created from Kiln's /setup page\n"


def app_settings(app: CreatedApp) -> dict[str, str]:
    """The settings that make Kiln this App."""
    return {
        "GITHUB_APP_ID": str(app.app_id),
        "GITHUB_APP_SLUG": app.slug,
        "GITHUB_WEBHOOK_SECRET": app.webhook_secret,
        "GITHUB_PRIVATE_KEY": app.pem.strip(),
    }


def dotenv_value(value: str) -> str:
    """A value as a .env line writes it: bare when plain, else double-quoted (PEM's newlines)."""
    if PLAIN.fullmatch(value):
        return value
    if any(char in value for char in UNQUOTABLE):
        raise ValueError("a value with quotes, backslashes or $ cannot be written safely")
    return f'"{value}"'


def with_settings(text: str, values: Mapping[str, str], name: str) -> str:
    """``text`` (a .env file) without earlier lines for these settings, then the new lines."""
    kept = "".join(binding.original.string for binding in parse_stream(StringIO(text))
                   if binding.key not in values)
    if kept and not kept.endswith("\n"):
        kept += "\n"
    lines = "".join(f"{key}={dotenv_value(value)}\n" for key, value in values.items())
    return kept + HEADER.format(name=name) + lines


def save_settings(path: Path, values: Mapping[str, str], name: str) -> bool:
    """Write the settings into ``path`` if it exists and may be written; False otherwise.

    An existing file only: Kiln reads .env from its working directory, and a process that
    has none is configured some other way (or runs in a container whose .env is the host's).
    The file is rewritten in place, which keeps its owner and mode and works on a bind mount.
    """
    if not path.is_file() or not os.access(path, os.R_OK | os.W_OK):
        return False
    try:
        path.write_text(with_settings(path.read_text(), values, name))
    except OSError:
        return False
    return True


def readable_by_others(path: Path) -> bool:
    """Whether users other than the owner may read the file (it now holds a private key)."""
    return bool(path.stat().st_mode & 0o044)
