"""Real git over HTTP against the GitHub emulator: clone, fetch and push, GitHub's auth."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import httpx
import pytest

from tests.emulators.conftest import GitHubWorld, WebhookReceiver, commit_via_api
from tests.emulators.gitclient import Git


@pytest.fixture
def git(tmp_path: Path) -> Git:
    return Git(tmp_path)


def _clone(github: GitHubWorld, git: Git, token: str, *flags: str) -> Path:
    work = git.home / "work"
    git.run("clone", *flags, github.emu.clone_url("alice", "proj"), str(work), token=token)
    return work


def test_shallow_clone_with_the_token_in_a_header(github: GitHubWorld, git: Git) -> None:
    token = github.token()
    work = _clone(github, git, token, "--depth", "1")
    assert (work / "src" / "app.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert git.out("rev-parse", "HEAD", cwd=work) == github.emu.branches("alice", "proj")["main"]
    assert git.out("rev-parse", "--is-shallow-repository", cwd=work) == "true"
    assert token not in (work / ".git" / "config").read_text()
    # git's requests are counted apart from REST calls: no REST call was made by git
    assert {r.status for r in github.emu.git_requests} == {200}
    assert not any(r.path.endswith("git-upload-pack") for r in github.emu.requests)


def test_fetch_a_branch_made_through_the_rest_api(github: GitHubWorld, git: Git) -> None:
    token = github.token()
    work = _clone(github, git, token, "--depth", "1")
    with github.client() as gh:
        main = github.emu.branches("alice", "proj")["main"]
        sha = commit_via_api(gh, {"src/sub.py": "def sub(a, b):\n    return a - b\n"}, main, "Sub")
        gh.rest.git.create_ref("alice", "proj", ref="refs/heads/kiln/issue-1", sha=sha)
    git.run("fetch", "--depth", "1", "origin", "kiln/issue-1", cwd=work, token=token)
    assert git.out("rev-parse", "FETCH_HEAD", cwd=work) == sha
    shown = git.out("show", "FETCH_HEAD:src/sub.py", cwd=work)
    assert shown == "def sub(a, b):\n    return a - b"


def test_push_moves_a_branch_the_rest_api_sees(github: GitHubWorld, git: Git) -> None:
    token = github.token()
    work = _clone(github, git, token)
    (work / "NOTES.md").write_text("pushed with git\n")
    git.run("add", "NOTES.md", cwd=work)
    git.run("commit", "-q", "-m", "Add notes", cwd=work)
    git.run("push", "origin", "HEAD:refs/heads/notes", cwd=work, token=token)
    pushed = git.out("rev-parse", "HEAD", cwd=work)
    with github.client() as gh:
        ref = gh.rest.git.get_ref("alice", "proj", "heads/notes").parsed_data
        commit = gh.rest.git.get_commit("alice", "proj", pushed).parsed_data
        notes = gh.rest.repos.get_content("alice", "proj", "NOTES.md", ref="notes").parsed_data
    assert ref.object_.sha == pushed
    assert (commit.message, commit.author.name) == ("Add notes", "Dev")
    assert notes.type == "file" and notes.size == len("pushed with git\n")
    assert github.emu.files("alice", "proj", "notes")["NOTES.md"] == b"pushed with git\n"


def test_push_to_a_pull_requests_branch_synchronizes_it(
    github: GitHubWorld, git: Git, webhook_receiver: WebhookReceiver
) -> None:
    github.emu.set_webhook_url(webhook_receiver.url)
    before = github.emu.push("alice", "proj", "feature", {"f.py": "f = 1\n"})
    with github.client() as gh:
        number = gh.rest.pulls.create(
            "alice", "proj", title="F", head="feature", base="main"
        ).parsed_data.number
    token = github.token()
    work = _clone(github, git, token, "--branch", "feature")
    (work / "f.py").write_text("f = 2\n")
    git.run("commit", "-q", "-a", "-m", "Two", cwd=work)
    git.run("push", "origin", "feature", cwd=work, token=token)
    github.emu.wait_for_deliveries()
    after = git.out("rev-parse", "HEAD", cwd=work)
    assert github.emu.pull("alice", "proj", number).head_sha == after
    synchronized = [
        json.loads(hook.body)
        for hook in webhook_receiver.received
        if hook.headers["X-GitHub-Event"] == "pull_request"
        and json.loads(hook.body)["action"] == "synchronize"
    ]
    assert [(s["before"], s["after"]) for s in synchronized] == [(before, after)]
    assert synchronized[0]["sender"]["login"] == "kiln[bot]"


def test_a_rest_ref_update_after_a_push_needs_the_pushed_head(
    github: GitHubWorld, git: Git
) -> None:
    token = github.token()
    work = _clone(github, git, token)
    git.run("commit", "-q", "--allow-empty", "-m", "Empty", cwd=work)
    git.run("push", "origin", "HEAD:main", cwd=work, token=token)
    pushed = git.out("rev-parse", "HEAD", cwd=work)
    with github.client() as gh:
        sha = commit_via_api(gh, {"a.txt": "a\n"}, pushed, "On top")
        moved = gh.rest.git.update_ref("alice", "proj", "heads/main", sha=sha).parsed_data
    assert moved.object_.sha == sha
    git.run("pull", "-q", "--ff-only", cwd=work, token=token)
    assert (work / "a.txt").read_text() == "a\n"


def test_without_a_valid_token_git_gets_401(github: GitHubWorld, git: Git) -> None:
    url = github.emu.clone_url("alice", "proj")
    missing = git.run("ls-remote", url, check=False)
    wrong = git.run("ls-remote", url, token="ghs_not-a-token", check=False)
    assert missing.returncode != 0 and wrong.returncode != 0
    assert "terminal prompts disabled" in missing.stderr
    assert [r.status for r in github.emu.git_requests] == [401, 401]
    answer = httpx.get(f"{url}/info/refs?service=git-upload-pack", timeout=10)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Basic realm="GitHub"'


def test_a_repository_outside_the_installation(github: GitHubWorld, git: Git) -> None:
    github.emu.create_repo("bob", "public")
    github.emu.create_repo("bob", "secret", files={"s.txt": "s\n"}, private=True)
    token = github.token()
    public = git.run("ls-remote", github.emu.clone_url("bob", "public"), token=token, check=False)
    secret = git.run("ls-remote", github.emu.clone_url("bob", "secret"), token=token, check=False)
    assert "Permission to bob/public.git denied to kiln[bot]." in public.stderr
    assert "Repository not found." in secret.stderr
    assert [r.status for r in github.emu.git_requests] == [403, 404]


def test_a_token_narrowed_to_one_repository(github: GitHubWorld, git: Git) -> None:
    token = github.token(repositories=["other"])
    refused = git.run("ls-remote", github.emu.clone_url("alice", "proj"), token=token, check=False)
    allowed = git.run("ls-remote", github.emu.clone_url("alice", "other"), token=token)
    assert refused.returncode != 0 and "refs/heads/main" in allowed.stdout


def test_pushing_needs_contents_write(github: GitHubWorld, git: Git) -> None:
    reader = github.token(permissions={"contents": "read"})
    work = _clone(github, git, reader)
    git.run("commit", "-q", "--allow-empty", "-m", "Empty", cwd=work)
    refused = git.run("push", "origin", "HEAD:refs/heads/x", cwd=work, token=reader, check=False)
    assert refused.returncode != 0
    assert "Permission to alice/proj.git denied to kiln[bot]." in refused.stderr
    assert "x" not in github.emu.branches("alice", "proj")


def test_a_bearer_token_and_a_gzipped_request_body(github: GitHubWorld) -> None:
    """What git sends for a large fetch: a gzipped upload-pack request (protocol v0 here)."""
    main = github.emu.branches("alice", "proj")["main"]
    want = f"want {main} no-progress\n"
    request = f"{len(want) + 4:04x}{want}0000" + "0009done\n"
    answer = httpx.post(
        f"{github.emu.clone_url('alice', 'proj')}/git-upload-pack",
        content=gzip.compress(request.encode()),
        headers={
            "Authorization": f"Bearer {github.token()}",
            "Content-Type": "application/x-git-upload-pack-request",
            "Content-Encoding": "gzip",
        },
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-git-upload-pack-result"
    assert answer.content.startswith(b"0008NAK\nPACK")


def test_git_requests_spend_no_rate_limit(github: GitHubWorld, git: Git) -> None:
    token = github.token()
    spent = github.emu.rate_limit(github.installation_id).used
    _clone(github, git, token)
    assert github.emu.rate_limit(github.installation_id).used == spent


def test_a_large_binary_push_streams_through(github: GitHubWorld, git: Git) -> None:
    """Past http.postBuffer (1 MB) git sends the pack in chunks, without a length."""
    token = github.token()
    work = _clone(github, git, token)
    payload = random.Random(7).randbytes(3 * 1024 * 1024)  # incompressible: a 3 MB pack
    (work / "data.bin").write_bytes(payload)
    git.run("add", "data.bin", cwd=work)
    git.run("commit", "-q", "-m", "Data", cwd=work)
    git.run("push", "origin", "HEAD:main", cwd=work, token=token)
    assert github.emu.files("alice", "proj", "main")["data.bin"] == payload
