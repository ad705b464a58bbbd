"""Seeds with git modes, binary and large files, and GitHub's limits on reading them back."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path
from typing import Any

import pytest
from githubkit.exception import RequestFailed

from emulators.github import GitHubEmulator, SeedFile
from tests.emulators.conftest import GitHubWorld
from tests.emulators.gitclient import Git

MODULE_COMMIT = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
GITMODULES = '[submodule "vendor/lib"]\n\tpath = vendor/lib\n\turl = https://example.com/lib.git\n'
BINARY = bytes(range(256)) * 4


@pytest.fixture
def moded(github: GitHubWorld) -> GitHubWorld:
    """alice/modes: an executable, two symlinks (to a file, to a directory), a submodule and
    a binary file."""
    github.emu.create_repo("alice", "modes", files={
        "run.sh": SeedFile.executable("#!/bin/sh\necho hi\n"),
        "docs/guide.md": "# Guide\n",
        "guide": SeedFile.symlink("docs/guide.md"),
        "docs-link": SeedFile.symlink("docs"),
        ".gitmodules": GITMODULES,
        "vendor/lib": SeedFile.submodule(MODULE_COMMIT),
        "logo.bin": BINARY,
    })  # fmt: skip
    return github


def test_modes_in_the_recursive_tree(moded: GitHubWorld) -> None:
    with moded.client() as gh:
        tree = gh.rest.git.get_tree("alice", "modes", "main", recursive="1").parsed_data
    entries = {e.path: (e.mode, e.type) for e in tree.tree}
    assert entries["run.sh"] == ("100755", "blob")
    assert entries["guide"] == ("120000", "blob")
    assert entries["vendor"] == ("040000", "tree")
    assert entries["vendor/lib"] == ("160000", "commit")
    submodule = next(e for e in tree.tree if e.path == "vendor/lib")
    assert submodule.sha == MODULE_COMMIT and not submodule.size
    assert next(e for e in tree.tree if e.path == "logo.bin").size == len(BINARY)
    assert not tree.truncated


def test_modes_survive_a_clone(moded: GitHubWorld, tmp_path: Path) -> None:
    git = Git(tmp_path)
    work = tmp_path / "work"
    git.run("clone", moded.emu.clone_url("alice", "modes"), str(work), token=moded.token())
    assert os.access(work / "run.sh", os.X_OK)
    assert not os.access(work / "docs" / "guide.md", os.X_OK)
    assert os.readlink(work / "guide") == "docs/guide.md"
    assert (work / "logo.bin").read_bytes() == BINARY
    staged = git.out("ls-files", "--stage", "vendor/lib", cwd=work)
    assert staged.startswith(f"160000 {MODULE_COMMIT}")


def test_contents_of_a_symlink_and_a_submodule(moded: GitHubWorld) -> None:
    with moded.client() as gh:
        followed = gh.rest.repos.get_content("alice", "modes", "guide").parsed_data
        to_dir = gh.rest.repos.get_content("alice", "modes", "docs-link").parsed_data
        module = gh.rest.repos.get_content("alice", "modes", "vendor/lib").parsed_data
        listing = gh.rest.repos.get_content("alice", "modes", "").parsed_data
        vendor = gh.rest.repos.get_content("alice", "modes", "vendor").parsed_data
    # a symlink to a regular file answers with that file; to anything else, with itself
    assert followed.type == "file" and followed.path == "docs/guide.md"
    assert to_dir.type == "symlink" and to_dir.target == "docs"
    assert module.type == "submodule" and module.sha == MODULE_COMMIT
    assert module.submodule_git_url == "https://example.com/lib.git"
    assert isinstance(listing, list) and isinstance(vendor, list)
    kinds = {item.name: item.type for item in listing}
    assert kinds | {} == {"run.sh": "file", "docs": "dir", "guide": "symlink",
                          "docs-link": "symlink", ".gitmodules": "file",
                          "vendor": "dir", "logo.bin": "file"}  # fmt: skip
    # GitHub lists a submodule as a file, without a download link
    assert [(i.type, i.download_url) for i in vendor] == [("file", None)]


def test_modes_round_trip_through_the_git_data_api(moded: GitHubWorld) -> None:
    with moded.client() as gh:
        main = gh.rest.git.get_ref("alice", "modes", "heads/main").parsed_data.object_.sha
        base = gh.rest.git.get_commit("alice", "modes", main).parsed_data.tree.sha
        tree = gh.rest.git.create_tree("alice", "modes", base_tree=base, tree=[
            {"path": "tool", "mode": "100755", "type": "blob", "content": "#!/bin/sh\n"},
            {"path": "latest", "mode": "120000", "type": "blob", "content": "run.sh"},
            {"path": "vendor/other", "mode": "160000", "type": "commit", "sha": "1" * 40},
        ]).parsed_data  # fmt: skip
        made = gh.rest.git.create_commit(
            "alice", "modes", message="Modes", tree=tree.sha, parents=[main]
        ).parsed_data
        gh.rest.git.update_ref("alice", "modes", "heads/main", sha=made.sha)
    entries = moded.emu.entries("alice", "modes", "main")
    assert entries["tool"] == SeedFile.executable("#!/bin/sh\n")
    assert entries["latest"] == SeedFile.symlink("run.sh")
    assert entries["vendor/other"] == SeedFile.submodule("1" * 40)
    assert entries["run.sh"].mode == "100755"


def test_files_past_the_contents_limit(github: GitHubWorld) -> None:
    github.emu.content_limits.contents_bytes = 1000
    github.emu.content_limits.blob_bytes = 4000
    github.emu.create_repo("alice", "big", files={"medium.bin": BINARY, "huge.bin": BINARY * 5})
    with github.client() as gh:
        medium = gh.rest.repos.get_content("alice", "big", "medium.bin").parsed_data
        raw = gh.rest.repos.get_content(
            "alice", "big", "medium.bin", headers={"Accept": "application/vnd.github.raw"}
        )
        blob = gh.rest.git.get_blob("alice", "big", medium.sha).parsed_data
        with pytest.raises(RequestFailed) as too_large:
            gh.rest.repos.get_content("alice", "big", "huge.bin")
        huge = _entry(gh, "big", "huge.bin")
        with pytest.raises(RequestFailed) as blob_too_large:
            gh.rest.git.get_blob("alice", "big", huge.sha)
    # past 1 MB (here 1,000 bytes) the contents API leaves the content out
    assert (medium.encoding, medium.content, medium.size) == ("none", "", len(BINARY))
    assert raw.content == BINARY
    assert base64.b64decode(blob.content) == BINARY
    for refused in (too_large, blob_too_large):
        assert refused.value.response.status_code == 403
        assert refused.value.response.json()["errors"][0]["code"] == "too_large"


def _entry(gh: Any, repo: str, path: str) -> Any:
    tree = gh.rest.git.get_tree("alice", repo, "main", recursive="1").parsed_data
    return next(e for e in tree.tree if e.path == path)


def test_a_recursive_tree_past_the_limit_is_truncated(github: GitHubWorld) -> None:
    github.emu.tree_limits.entries = 5
    files = {f"pkg/m{i}.py": f"x = {i}\n" for i in range(8)}
    github.emu.create_repo("alice", "wide", files=files)
    with github.client() as gh:
        whole = gh.rest.git.get_tree("alice", "wide", "main", recursive="1").parsed_data
        top = gh.rest.git.get_tree("alice", "wide", "main").parsed_data
        pkg = gh.rest.git.get_tree("alice", "wide", top.tree[0].sha).parsed_data
    assert whole.truncated and len(whole.tree) == 5
    # one sub-tree at a time, as GitHub's docs advise, gets everything
    assert not pkg.truncated and len(pkg.tree) == 8


def test_a_push_removes_and_sets_modes() -> None:
    with GitHubEmulator() as emu:
        emu.create_repo("alice", "proj", files={"a.txt": "a\n", "b.sh": "echo b\n"})
        emu.push("alice", "proj", "main", {"a.txt": None, "b.sh": SeedFile.executable("echo b\n")})
        assert emu.entries("alice", "proj", "main") == {"b.sh": SeedFile.executable("echo b\n")}


def test_a_ten_thousand_file_seed_is_quick() -> None:
    files = {f"pkg{i % 40}/sub{i % 7}/mod{i}.py": f"VALUE = {i}\n" for i in range(10_000)}
    with GitHubEmulator() as emu:
        began = time.perf_counter()
        emu.create_repo("alice", "huge", files=files)
        seconds = time.perf_counter() - began
        print(f"\n10,000-file seed: {seconds:.2f} s")
        assert len(emu.files("alice", "huge", "main")) == 10_000
