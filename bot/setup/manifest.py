"""The App's manifest: ``app.yml`` with the addresses of this Kiln filled in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.receiver import WEBHOOK_PATH

APP_YML = Path(__file__).with_name("app.yml")
SETUP_PATH = "/setup"
DONE_PATH = f"{SETUP_PATH}/done"  # where GitHub sends the browser back with the code


def load_app_yml(path: Path = APP_YML) -> dict[str, Any]:
    """The manifest fields as app.yml holds them (read once, at start-up)."""
    loaded = yaml.safe_load(path.read_text())
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} does not hold a mapping of manifest fields")
    return loaded


def manifest_for(app_yml: Mapping[str, Any], public_url: str, page_url: str) -> dict[str, Any]:
    """GitHub's manifest JSON fields: app.yml's, pointed at this Kiln.

    The homepage and the webhook are at ``public_url``; GitHub sends the browser back to
    ``page_url``, where the setup page was opened (and its state cookie lives).
    """
    base = public_url.rstrip("/")
    hook = {**app_yml.get("hook_attributes", {}), "url": base + WEBHOOK_PATH}
    redirect = page_url.rstrip("/") + DONE_PATH
    return {**app_yml, "url": base, "hook_attributes": hook, "redirect_url": redirect}


def page_url(public_url: str | None, opened_at: str) -> str:
    """Where the browser returns: PUBLIC_URL when the page was opened on its host (PUBLIC_URL
    then also gives the scheme a proxy may hide), else the address the page was opened at."""
    if public_url and urlsplit(public_url).netloc == urlsplit(opened_at).netloc:
        return public_url
    return opened_at
