"""A JSON seed for the demo: the app, accounts, repositories and installations to start with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulators.github.emulator import GitHubEmulator
from emulators.github.records import EmulatedApp
from emulators.github.seedfile import SeedFile


@dataclass(frozen=True)
class Seeded:
    app: EmulatedApp
    installation_ids: dict[str, int]


def apply_seed(emu: GitHubEmulator, seed: dict[str, Any], webhook_url: str | None) -> Seeded:
    """Create what the seed describes, e.g.::

    {"app": {"slug": "kiln", "webhook_secret": "s"}, "users": ["alice"], "orgs": ["acme"],
     "repos": [{"owner": "alice", "name": "proj", "files": {"README.md": "# proj",
                "run.sh": {"content": "#!/bin/sh", "mode": "100755"}},
                "permissions": {"alice": "admin"}}],
     "installations": [{"account": "alice", "repositories": null}]}
    """
    app_seed = seed.get("app", {})
    app = emu.create_app(
        app_seed.get("slug", "kiln"), app_seed.get("webhook_secret", "secret"), webhook_url
    )
    for login in seed.get("users", []):
        emu.add_user(login)
    for login in seed.get("orgs", []):
        emu.add_org(login)
    for repo in seed.get("repos", []):
        emu.create_repo(
            repo["owner"],
            repo["name"],
            _files(repo.get("files")),
            repo.get("default_branch", "main"),
            repo.get("private", False),
        )
        for login, role in repo.get("permissions", {}).items():
            emu.set_permission(repo["owner"], repo["name"], login, role)
    installations = {}
    for entry in seed.get("installations", []):
        installations[entry["account"]] = emu.install(
            app, entry["account"], entry.get("repositories")
        )
    return Seeded(app, installations)


def _files(files: dict[str, Any] | None) -> dict[str, SeedFile | str] | None:
    """A seed's files: text, or ``{"content": ..., "mode": ...}`` for another mode."""
    if files is None:
        return None
    return {p: SeedFile(**v) if isinstance(v, dict) else v for p, v in files.items()}
