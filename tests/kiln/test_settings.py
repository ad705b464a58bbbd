"""Start-up fails on a missing or malformed setting, with a message naming it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiln.settings import Settings, SettingsError, load_settings

ENV_NAMES = ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH",
             "GITHUB_WEBHOOK_SECRET")


@pytest.fixture
def valid(app_private_key, monkeypatch) -> dict[str, object]:
    """Overrides for a complete configuration, with the process environment out of the way."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return {"github_app_id": 7, "github_private_key": app_private_key,
            "github_webhook_secret": "s", "_env_file": None}


def failure(**overrides: object) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(**overrides)
    return str(caught.value)


def test_valid_settings_load(valid) -> None:
    settings = load_settings(**valid)

    assert settings.github_app_id == 7
    assert settings.bot_login == "kiln[bot]"
    assert settings.mention == "@kiln"
    assert settings.private_key_pem.startswith("-----BEGIN")


def test_key_that_is_not_pem_is_named(valid) -> None:
    message = failure(**{**valid, "github_private_key": "ssh-rsa AAAA"})

    assert "GITHUB_PRIVATE_KEY" in message
    assert "not a PEM private key" in message


def test_key_with_literal_backslash_n_is_named(valid, app_private_key) -> None:
    flattened = app_private_key.strip().replace("\n", "\\n")

    message = failure(**{**valid, "github_private_key": flattened})

    assert "GITHUB_PRIVATE_KEY holds literal \\n sequences" in message


def test_damaged_pem_is_named(valid, app_private_key) -> None:
    damaged = app_private_key.replace(app_private_key.splitlines()[3], "A" * 64)

    assert "not a readable PEM private key" in failure(**{**valid, "github_private_key": damaged})


def test_missing_webhook_secret_is_named(valid) -> None:
    del valid["github_webhook_secret"]

    assert "GITHUB_WEBHOOK_SECRET" in failure(**valid)


def test_missing_private_key_says_which_settings_hold_one(valid) -> None:
    del valid["github_private_key"]

    assert "set GITHUB_PRIVATE_KEY (PEM text) or GITHUB_PRIVATE_KEY_PATH" in failure(**valid)


def test_key_path_without_a_file_is_named(valid, tmp_path) -> None:
    del valid["github_private_key"]

    message = failure(**valid, github_private_key_path=tmp_path / "missing.pem")

    assert "GITHUB_PRIVATE_KEY_PATH: no file at" in message


def test_key_path_with_a_pem_file_loads(valid, app_private_key, tmp_path) -> None:
    del valid["github_private_key"]
    path = tmp_path / "app.pem"
    path.write_text(app_private_key)

    assert load_settings(**valid, github_private_key_path=path).private_key_pem == app_private_key


def test_environment_names_are_read(valid, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_APP_ID", "not a number")

    message = failure(_env_file=None)

    assert "GITHUB_APP_ID" in message


def test_env_example_documents_every_setting() -> None:
    text = (Path(__file__).parents[2] / ".env.example").read_text()
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))

    assert documented == {name.upper() for name in Settings.model_fields}


def test_without_any_app_setting_only_the_web_process_starts(valid) -> None:
    for name in ("github_app_id", "github_private_key", "github_webhook_secret"):
        del valid[name]

    web = load_settings(**valid, app_required=False)

    assert not web.app_configured
    assert "no GitHub App is configured" in failure(**valid)  # the worker's start-up
    with pytest.raises(SettingsError, match="/setup page"):
        _ = web.app


def test_a_partly_configured_app_stops_even_the_web_process(valid) -> None:
    del valid["github_webhook_secret"]

    with pytest.raises(SettingsError, match="GITHUB_WEBHOOK_SECRET"):
        load_settings(**valid, app_required=False)


def test_configured_app_is_one_typed_value(valid, app_private_key) -> None:
    settings = load_settings(**valid)

    assert settings.app_configured
    assert (settings.app.app_id, settings.app.webhook_secret) == (7, "s")
    assert settings.app.private_key_pem == app_private_key
    assert app_private_key not in repr(settings.app)
    assert settings.github_web_url == "https://github.com"
