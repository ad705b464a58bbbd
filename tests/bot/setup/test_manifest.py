"""app.yml becomes GitHub's manifest, pointed at this Kiln's address."""

from __future__ import annotations

import pytest

from bot.handlers.registry import HANDLERS
from bot.setup.manifest import APP_YML, load_app_yml, manifest_for, page_url

# GitHub sends these to every App whatever it subscribes to.
ALWAYS_SENT = {"ping", "installation", "installation_repositories"}


def test_manifest_points_at_kiln_and_keeps_app_yml() -> None:
    app_yml = load_app_yml()

    manifest = manifest_for(app_yml, "https://kiln.acme.test/", "https://kiln.acme.test")

    assert manifest["url"] == "https://kiln.acme.test"
    assert manifest["hook_attributes"] == {"url": "https://kiln.acme.test/api/github/webhooks",
                                           "active": True}
    assert manifest["redirect_url"] == "https://kiln.acme.test/setup/done"
    assert manifest["name"] == "Kiln" and manifest["public"] is False
    assert manifest["default_events"] == app_yml["default_events"]
    assert manifest["default_permissions"]["issues"] == "write"
    assert "kiln.example.com" not in str(manifest)


def test_app_yml_subscribes_to_every_event_kiln_routes() -> None:
    routed = {event for event, _ in HANDLERS} - ALWAYS_SENT

    assert routed <= set(load_app_yml()["default_events"])
    assert "status" in routed


def test_app_yml_ships_inside_the_package() -> None:
    assert APP_YML.parent.name == "setup" and APP_YML.parent.parent.name == "bot"


def test_app_yml_that_is_not_a_mapping_is_refused(tmp_path) -> None:
    broken = tmp_path / "app.yml"
    broken.write_text("- just\n- a list\n")

    with pytest.raises(ValueError, match="mapping of manifest fields"):
        load_app_yml(broken)


def test_browser_returns_where_the_page_was_opened() -> None:
    manifest = manifest_for({}, "https://kiln.acme.test", "http://localhost:8000")

    assert manifest["redirect_url"] == "http://localhost:8000/setup/done"
    assert manifest["hook_attributes"]["url"] == "https://kiln.acme.test/api/github/webhooks"


def test_public_url_gives_the_scheme_on_its_own_host() -> None:
    # Behind a TLS proxy the request may look like plain HTTP to Kiln.
    assert page_url("https://kiln.acme.test", "http://kiln.acme.test") == "https://kiln.acme.test"
    assert page_url("https://kiln.acme.test", "http://localhost:8000") == "http://localhost:8000"
    assert page_url(None, "http://127.0.0.1:3000") == "http://127.0.0.1:3000"
