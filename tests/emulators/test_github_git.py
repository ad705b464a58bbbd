"""Git data endpoints of the GitHub emulator: ids are checked against real git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from githubkit import GitHub
from githubkit.exception import RequestFailed

from tests.emulators.conftest import GitHubWorld, commit_via_api


def test_publish_a_branch_with_the_git_data_api(github: GitHubWorld) -> None:
    with github.client() as gh:
        main = gh.rest.git.get_ref("alice", "proj", "heads/main").parsed_data
        sha = commit_via_api(
            gh, {"src/sub.py": "def sub(a, b):\n    return a - b\n"}, main.object_.sha, "Add sub"
        )
        created = gh.rest.git.create_ref("alice", "proj", ref="refs/heads/kiln/issue-1", sha=sha)
        tree = gh.rest.git.get_tree("alice", "proj", sha, recursive="1").parsed_data
        commit = gh.rest.git.get_commit("alice", "proj", sha).parsed_data
    assert created.status_code == 201
    assert sorted(e.path for e in tree.tree if e.type == "blob") == [
        "README.md",
        "src/app.py",
        "src/sub.py",
    ]
    assert [p.sha for p in commit.parents] == [main.object_.sha]
    assert commit.author.name == "kiln[bot]"
    assert github.emu.branches("alice", "proj")["kiln/issue-1"] == sha
    assert set(github.emu.files("alice", "proj", "kiln/issue-1")) == {
        "README.md",
        "src/app.py",
        "src/sub.py",
    }
    assert [c.message for c in github.emu.commits("alice", "proj", "kiln/issue-1")] == [
        "Add sub",
        "Initial commit",
    ]


def test_ids_match_real_git(github: GitHubWorld, tmp_path: Path) -> None:
    with github.client() as gh:
        main = gh.rest.git.get_ref("alice", "proj", "heads/main").parsed_data.object_.sha
        sha = commit_via_api(
            gh, {"docs/guide.md": "# Guide\n", "README.md": "# proj v2\n"}, main, "Docs"
        )
    git = ["git", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    for commit in github.emu.commits("alice", "proj", sha):
        for path_sha in _reachable(github, commit.tree) | {commit.sha}:
            kind, body = github.emu.git_object("alice", "proj", path_sha)
            written = subprocess.run(
                [*git, "hash-object", "-w", "-t", kind, "--stdin"],
                input=body,
                capture_output=True,
                check=True,
            )
            assert written.stdout.decode().strip() == path_sha
    subprocess.run([*git, "update-ref", "refs/heads/main", sha], check=True)
    subprocess.run([*git, "fsck", "--strict", "--no-dangling"], check=True, capture_output=True)
    shown = subprocess.run([*git, "show", f"{sha}:docs/guide.md"], capture_output=True, check=True)
    assert shown.stdout == b"# Guide\n"


def _reachable(github: GitHubWorld, tree: str) -> set[str]:
    found = {tree}
    _kind, body = github.emu.git_object("alice", "proj", tree)
    while body:
        header, _, rest = body.partition(b"\0")
        sha, body = rest[:20].hex(), rest[20:]
        found |= _reachable(github, sha) if header.startswith(b"40000 ") else {sha}
    return found


def test_tree_entry_with_null_sha_deletes_a_file(github: GitHubWorld) -> None:
    with github.client() as gh:
        main = gh.rest.git.get_commit("alice", "proj", github.emu.branches("alice", "proj")["main"])
        tree = gh.rest.git.create_tree(
            "alice",
            "proj",
            base_tree=main.parsed_data.tree.sha,
            tree=[
                {"path": "README.md", "mode": "100644", "type": "blob", "sha": None},
                {"path": "NEW.md", "mode": "100644", "type": "blob", "content": "new\n"},
            ],
        ).parsed_data
        listed = gh.rest.git.get_tree("alice", "proj", tree.sha, recursive="1").parsed_data
    assert sorted(e.path for e in listed.tree) == ["NEW.md", "src", "src/app.py"]


def test_blob_round_trip_in_base64(github: GitHubWorld) -> None:
    with github.client() as gh:
        made = gh.rest.git.create_blob("alice", "proj", content="AAEC/w==", encoding="base64")
        blob = gh.rest.git.get_blob("alice", "proj", made.parsed_data.sha).parsed_data
    assert (blob.size, blob.encoding) == (4, "base64")


def test_ref_update_needs_a_fast_forward(github: GitHubWorld) -> None:
    with github.client() as gh:
        main = gh.rest.git.get_ref("alice", "proj", "heads/main").parsed_data.object_.sha
        first = commit_via_api(gh, {"a.txt": "1\n"}, main, "one")
        gh.rest.git.create_ref("alice", "proj", ref="refs/heads/work", sha=first)
        second = commit_via_api(gh, {"a.txt": "2\n"}, first, "two")
        moved = gh.rest.git.update_ref("alice", "proj", "heads/work", sha=second).parsed_data
        sideways = commit_via_api(gh, {"b.txt": "x\n"}, main, "sideways")
        with pytest.raises(RequestFailed) as refused:
            gh.rest.git.update_ref("alice", "proj", "heads/work", sha=sideways)
        forced = gh.rest.git.update_ref("alice", "proj", "heads/work", sha=sideways, force=True)
        with pytest.raises(RequestFailed) as exists:
            gh.rest.git.create_ref("alice", "proj", ref="refs/heads/work", sha=main)
    assert moved.object_.sha == second
    assert refused.value.response.status_code == 422
    assert refused.value.response.json()["message"] == "Update is not a fast forward"
    assert forced.parsed_data.object_.sha == sideways
    assert exists.value.response.json()["message"] == "Reference already exists"


def test_missing_ref_is_not_found(github: GitHubWorld) -> None:
    with github.client() as gh, pytest.raises(RequestFailed) as missing:
        gh.rest.git.get_ref("alice", "proj", "heads/nope")
    assert missing.value.response.status_code == 404


def test_branches_and_commits(github: GitHubWorld) -> None:
    pushed = github.emu.push("alice", "proj", "feature", {"f.py": "f = 1\n"}, message="Feature")
    with github.client() as gh:
        branch = gh.rest.repos.get_branch("alice", "proj", "feature").parsed_data
        branches = gh.rest.repos.list_branches("alice", "proj").parsed_data
        commit = gh.rest.repos.get_commit("alice", "proj", "feature").parsed_data
    assert (branch.name, branch.commit.sha) == ("feature", pushed)
    assert [b.name for b in branches] == ["feature", "main"]
    assert (commit.sha, commit.commit.message) == (pushed, "Feature")
    assert [p.sha for p in commit.parents] == [github.emu.branches("alice", "proj")["main"]]


def test_a_read_only_token_cannot_write_objects(github: GitHubWorld) -> None:
    reader = github.token(permissions={"contents": "read", "issues": "write"})
    with GitHub(reader, base_url=github.url, http_cache=False, timeout=10) as gh:
        blob = gh.rest.git.get_blob("alice", "proj", _readme_blob(github)).parsed_data
        with pytest.raises(RequestFailed) as refused:
            gh.rest.git.create_blob("alice", "proj", content="x", encoding="utf-8")
    assert blob.size == len("# proj\n")
    assert refused.value.response.status_code == 403
    assert refused.value.response.json()["message"] == "Resource not accessible by integration"
    with pytest.raises(RequestFailed) as broader:
        github.token(permissions={"actions": "write"})
    assert broader.value.response.status_code == 422


def _readme_blob(github: GitHubWorld) -> str:
    main = github.emu.branches("alice", "proj")["main"]
    tree = github.emu.commits("alice", "proj", main)[0].tree
    _kind, body = github.emu.git_object("alice", "proj", tree)
    at = body.index(b"README.md\0") + len("README.md\0")
    return body[at : at + 20].hex()
