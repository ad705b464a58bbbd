"""The new App's settings merged into .env, read back by Kiln's own settings."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.setup.conversion import CreatedApp
from bot.setup.envfile import (
    app_settings,
    dotenv_value,
    readable_by_others,
    save_settings,
    with_settings,
)
from kiln.settings import Settings

NOBODY = 65534  # Debian's nobody and nogroup


@pytest.fixture
def created(app_private_key: str) -> CreatedApp:
    return CreatedApp(4242, "kiln-acme", "Kiln Acme", "https://github.com/apps/kiln-acme",
                      app_private_key, "0f1e2d3c4b5a")


def test_settings_replace_earlier_lines_and_keep_the_rest(created: CreatedApp) -> None:
    before = ('REDIS_URL=redis://:pw@redis:6379/0\nGITHUB_APP_SLUG=kiln\n'
              'SANDBOX_CA_BUNDLE="/etc/ssl/a b.pem"\n# a comment\nKILN_MODEL=gpt-4.1')

    after = with_settings(before, app_settings(created), created.name)

    values = dotenv_values(stream=StringIO(after))
    assert values["GITHUB_APP_SLUG"] == "kiln-acme" and after.count("GITHUB_APP_SLUG=") == 1
    assert values["REDIS_URL"] == "redis://:pw@redis:6379/0"
    assert values["SANDBOX_CA_BUNDLE"] == "/etc/ssl/a b.pem"
    assert values["KILN_MODEL"] == "gpt-4.1" and "# a comment\n" in after
    assert values["GITHUB_PRIVATE_KEY"] == created.pem.strip()
    assert "# The GitHub App Kiln Acme, created from Kiln's /setup page" in after


def test_kiln_starts_as_the_app_from_the_written_file(created: CreatedApp, tmp_path,
                                                      monkeypatch) -> None:
    for name in ("GITHUB_APP_ID", "GITHUB_APP_SLUG", "GITHUB_WEBHOOK_SECRET",
                 "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    env = tmp_path / ".env"
    env.write_text("KILN_MODEL=gpt-4.1\n")

    assert save_settings(env, app_settings(created), created.name)

    settings = Settings(_env_file=env)  # type: ignore[call-arg]
    assert (settings.app.app_id, settings.github_app_slug) == (4242, "kiln-acme")
    assert settings.app.private_key_pem == created.pem.strip()
    assert settings.app.webhook_secret == "0f1e2d3c4b5a" and settings.kiln_model == "gpt-4.1"


def test_nothing_is_written_without_a_writable_env_file(created: CreatedApp, tmp_path) -> None:
    missing = tmp_path / ".env"
    assert not save_settings(missing, app_settings(created), created.name)
    assert not missing.exists()



def test_a_read_only_env_file_is_left_as_it_is(created: CreatedApp) -> None:
    """Run as a user who may read the file but not write it (root may write any file, so
    as root the check runs in a child that has become `nobody`)."""
    with tempfile.TemporaryDirectory() as directory:
        os.chmod(directory, 0o755)
        env = Path(directory) / ".env"
        env.write_text("KILN_MODEL=x\n")
        env.chmod(0o444)
        saved = _as_reader(lambda: save_settings(env, app_settings(created), created.name))
        assert saved is False
        assert env.read_text() == "KILN_MODEL=x\n"


def _as_reader(check: Callable[[], bool]) -> bool:
    """`check()` as this user, or as root in a child process that became `nobody` first."""
    if os.geteuid() != 0:
        return check()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's result is its exit status
        code = 2
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            code = 0 if check() else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.WEXITSTATUS(status) in (0, 1), "the check failed in the child"
    return os.WEXITSTATUS(status) == 0


def test_a_file_others_can_read_is_flagged(tmp_path) -> None:
    env = tmp_path / ".env"
    env.write_text("")
    env.chmod(0o600)
    assert not readable_by_others(env)
    env.chmod(0o644)
    assert readable_by_others(env)


def test_values_are_quoted_only_when_needed() -> None:
    assert dotenv_value("4242") == "4242"
    assert dotenv_value("a b") == '"a b"'
    with pytest.raises(ValueError):
        dotenv_value("${HOME}")
