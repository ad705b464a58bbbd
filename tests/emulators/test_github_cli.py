"""``python -m emulators.github``: the demo command serves a seeded emulator until interrupted."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy

SEED = {
    "app": {"slug": "kiln", "webhook_secret": "demo-secret"},
    "users": ["alice"],
    "orgs": ["acme"],
    "repos": [{"owner": "alice", "name": "proj", "files": {"README.md": "# proj\n"},
               "permissions": {"alice": "admin"}}],
    "installations": [{"account": "alice"}, {"account": "acme", "repositories": []}],
}  # fmt: skip


def test_command_serves_the_seed(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED))
    key_file = tmp_path / "app.pem"
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulators.github", "--seed", str(seed), "--key-file",
         str(key_file), "--webhook-url", "http://127.0.0.1:9/api/github/webhooks"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        started = json.loads(proc.stdout.readline())
        strategy = AppInstallationAuthStrategy(
            started["app_id"], key_file.read_text(), started["installations"]["alice"]
        )
        client = GitHub(strategy, base_url=started["api_url"], http_cache=False, timeout=10,
                        cache_strategy=MemCacheStrategy())  # fmt: skip
        with client:
            repo = client.rest.repos.get("alice", "proj").parsed_data
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(15)
    assert started["private_key_path"] == str(key_file)
    assert started["webhook_secret"] == "demo-secret"
    assert repo.full_name == "alice/proj"
    assert proc.returncode == 0
