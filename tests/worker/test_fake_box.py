"""FakeBox against the real Sandbox: the same scenarios must get the same answers."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import pytest

from kiln.settings import Settings
from sandbox import ExecResult, Sandbox, SandboxConfig, container, deps
from sandbox.command import UNPACK_FAILED
from sandbox.output import CUT_NOTICE
from tests.sandbox.conftest import SMALL_LIMITS
from tests.worker.fake_box import Call, FakeBox, FakeSandboxes, Limits
from worker.builder.runner import OpenSandbox
from worker.builder.workspace import Box

AnyBox = FakeBox | Sandbox
KINDS = ["fake", pytest.param("docker", marks=pytest.mark.docker)]
HELLO = ('mkdir -p "$PYTHONUSERBASE/bin" && printf \'#!/bin/sh\\necho installed\\n\' > '
         '"$PYTHONUSERBASE/bin/kiln-hello" && chmod +x "$PYTHONUSERBASE/bin/kiln-hello"')
# Shows the workspace is there, installs a command, and adds to the workspace.
INSTALL = f"cat requirements.txt keep.txt && {HELLO} && mkdir -p vendor && echo v > vendor/v.txt"


class Opener:
    """Opens python sandboxes of one kind, all with the same limits, removed after the test."""

    def __init__(self, start: Callable[[], AbstractContextManager[AnyBox]], stack: ExitStack,
                 docker: Any = None) -> None:
        self.start = start
        self.stack = stack
        self.docker = docker
        self.tags: list[str] = []  # real dependency images to remove after the test

    def __call__(self) -> AnyBox:
        return self.stack.enter_context(self.start())

    def install(self, box: AnyBox, cmd: str, manifests: Mapping[str, bytes]) -> ExecResult:
        if self.docker is not None:
            self.tags.append(deps.image_tag(self.docker, box.image, cmd, manifests))
        return box.install(cmd, manifests, timeout=60)

    def remove_images(self) -> None:
        for tag in reversed(self.tags):  # an install on top of another goes first
            if deps.image_exists(self.docker, tag):
                self.docker.images.remove(tag, force=True)


@pytest.fixture
def config(make_settings: Callable[..., Settings]) -> SandboxConfig:
    return SandboxConfig.from_settings(make_settings(**SMALL_LIMITS))


@pytest.fixture(params=KINDS)
def open_box(request: pytest.FixtureRequest, config: SandboxConfig,
             tmp_path: Path) -> Iterator[Opener]:
    with ExitStack() as stack:
        if request.param == "fake":
            sandboxes = FakeSandboxes(tmp_path, Limits.of(config))
            opener = Opener(lambda: sandboxes("python"), stack)
        else:
            client = request.getfixturevalue("docker_client")
            labels = {"kiln.job": f"test-{uuid.uuid4()}"}
            opener = Opener(lambda: Sandbox.start(client, config.image_for("python"), config,
                                                  labels), stack, client)
        stack.callback(opener.remove_images)  # after the boxes close: they use the images
        yield opener


@pytest.fixture
def box(open_box: Opener) -> AnyBox:
    return open_box()


@pytest.fixture
def manifests() -> dict[str, bytes]:
    # A fresh value makes a fresh cache key, so a first install is always a miss.
    return {"requirements.txt": f"kilndemo=={uuid.uuid4().hex}\n".encode()}


# --- files ---------------------------------------------------------------------------------

def test_files_reach_commands_with_their_modes(box: AnyBox) -> None:
    box.put_files({"run.sh": (b"#!/bin/sh\necho ran\n", 0o755), "deep/a/b.txt": b"b\n",
                   "empty.txt": b""})
    assert box.exec("./run.sh").stdout == "ran\n"
    assert box.exec("stat -c %a run.sh empty.txt").stdout.split() == ["755", "644"]
    assert box.read_file("deep/a/b.txt") == b"b\n"
    assert box.list_files() == ["deep/a/b.txt", "empty.txt", "run.sh"]
    with pytest.raises(FileNotFoundError):
        box.read_file("nope.txt")
    with pytest.raises(ValueError, match="inside the workspace"):
        box.put_files({"../escape.txt": b"x"})


def test_changed_paths_are_what_commands_changed_since_the_last_look(box: AnyBox) -> None:
    box.put_files({"same_size.py": b"x = 1\n", "gone.py": b"bye\n", "kept.py": b"keep\n",
                   "touched.py": b"t\n", "run.sh": (b"#!/bin/sh\n", 0o755)})
    box.exec("printf 'x = 2\\n' > same_size.py; rm gone.py; mkdir new; echo hi > new/f.txt; "
             "touch touched.py; ln -s kept.py link.py; "
             "mkdir -p pkg/__pycache__ .pytest_cache node_modules/m .git && "
             "touch pkg/__pycache__/m.pyc stray.pyc .pytest_cache/v node_modules/m/i.js .git/HEAD")
    # Same bytes with a new mtime count as changed: the rule is the listing's stamp.
    changed = box.changed_paths()
    assert sorted(changed) == ["gone.py", "link.py", "new/f.txt", "same_size.py", "touched.py"]
    assert changed["gone.py"] is None
    link = changed["link.py"]
    assert link is not None and (link.target, link.size) == ("kept.py", 7)
    box.put_files({"same_size.py": b"x = 3\n"})
    box.delete_files(["new/f.txt", "never-existed.txt"])
    box.exec("chmod -x run.sh")
    # A look moves the baseline; what the caller put or deleted is never reported.
    assert list(box.changed_paths()) == ["run.sh"]
    assert box.changed_paths() == {}


def test_what_is_in_the_way_of_a_put_file_is_replaced_unless_a_full_directory(
        box: AnyBox) -> None:
    box.put_files({"a.txt": b"a"})
    box.exec("mkdir -p full/sub empty")
    box.put_files({"a.txt/b.txt": b"b", "empty": b"e"})
    assert box.exec("cat a.txt/b.txt empty").stdout == "be"
    box.put_files({"full": b"x"})
    refused = box.exec("echo never")
    assert (refused.exit_code, refused.stdout) == (125, "")
    assert refused.stderr.startswith(UNPACK_FAILED)


def test_delete_files_ignores_absent_files_and_refuses_directories(box: AnyBox) -> None:
    box.put_files({"a.txt": b"a", "b.txt": b"b"})
    box.delete_files(["a.txt", "never-existed.txt"])
    assert box.list_files() == ["b.txt"]
    box.exec("mkdir d")
    with pytest.raises(RuntimeError, match="rm: cannot remove 'd': Is a directory"):
        box.delete_files(["d"])


# --- commands ------------------------------------------------------------------------------

def test_exit_codes_and_streams(box: AnyBox) -> None:
    result = box.exec("echo out; echo err >&2; exit 3")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert not (result.timed_out or result.oom_killed or result.cached)
    killed = box.exec("kill -9 $$")
    assert (killed.exit_code, killed.oom_killed) == (137, False)
    missing = box.exec(["no-such-program"])
    assert missing.exit_code == 127
    assert missing.stderr == "kiln-sandbox: [Errno 2] No such file or directory: " \
        "'no-such-program'\n"
    assert box.exec(["printf", "%s|", "a b", "c"]).stdout == "a b|c|"


def test_output_streams_as_it_comes_and_is_capped_head_and_tail(
        box: AnyBox, config: SandboxConfig) -> None:
    chunks: list[tuple[str, bytes]] = []
    result = box.exec("seq 1 20000; echo done >&2",
                      on_output=lambda name, chunk: chunks.append((name, chunk)))
    full = "".join(f"{n}\n" for n in range(1, 20001))
    assert b"".join(chunk for name, chunk in chunks if name == "stdout") == full.encode()
    half = config.output_cap // 2
    cut = CUT_NOTICE.format(cut=len(full) - config.output_cap)
    assert result.stdout == full[:half] + cut + full[-half:]
    assert result.stderr == "done\n"


def test_a_timeout_kills_the_whole_tree(box: AnyBox) -> None:
    result = box.exec("(sleep 1.5; echo late > late.txt) & echo started; sleep 30", timeout=0.5)
    assert (result.exit_code, result.timed_out, result.stdout) == (124, True, "started\n")
    assert result.duration < 5
    time.sleep(2)
    assert box.list_files() == []


def test_nothing_a_command_starts_outlives_it(box: AnyBox) -> None:
    # The background job holds the command's stdout: it is killed, not waited for.
    result = box.exec("(sleep 1; echo late > late.txt) & echo started")
    assert (result.exit_code, result.stdout) == (0, "started\n") and result.duration < 1
    time.sleep(2)
    assert box.list_files() == []


def test_commands_get_the_sandbox_environment_and_nothing_of_the_host(
        box: AnyBox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KILN_PROBE_SECRET", "hunter2")
    env = dict(line.split("=", 1) for line in box.exec("env").stdout.splitlines())
    assert set(container.BASE_ENV) <= set(env) and "KILN_PROBE_SECRET" not in env
    for name in ("LANG", "USER", "PYTHONDONTWRITEBYTECODE"):
        assert env[name] == container.BASE_ENV[name]
    assert box.exec('cd "$HOME" && touch scratch').ok


# --- dependencies --------------------------------------------------------------------------

def test_install_runs_against_the_workspace_and_the_next_box_gets_it_cached(
        open_box: Opener, manifests: dict[str, bytes]) -> None:
    for expect_cached in (False, True):
        box = open_box()
        box.put_files({"keep.txt": b"k", **manifests})
        installed = open_box.install(box, INSTALL, manifests)
        assert installed.ok, installed.stderr
        assert installed.cached is expect_cached
        assert installed.stdout == ("" if expect_cached else
                                    manifests["requirements.txt"].decode() + "k")
        assert box.exec("kiln-hello").stdout == "installed\n"
        # What it added to the workspace is there, and is not the caller's change.
        assert box.list_files() == ["keep.txt", "requirements.txt", "vendor/v.txt"]
        assert box.changed_paths() == {}
    # The same install again in that box starts from its new image: not a cache hit.
    assert not open_box.install(box, INSTALL, manifests).cached


def test_a_failed_install_changes_nothing(
        box: AnyBox, open_box: Opener, manifests: dict[str, bytes]) -> None:
    image = box.image
    failed = open_box.install(box, f"{HELLO}; touch made; echo broken >&2; exit 2", manifests)
    assert (failed.exit_code, failed.stderr, failed.cached) == (2, "broken\n", False)
    assert box.image == image
    assert box.exec("command -v kiln-hello").exit_code != 0
    assert box.list_files() == []
    assert box.exec("echo still here").stdout == "still here\n"


# --- the fake's own parts ------------------------------------------------------------------

def test_an_unknown_language_is_refused_as_the_real_config_refuses_it(
        tmp_path: Path, config: SandboxConfig) -> None:
    with pytest.raises(KeyError) as real:
        config.image_for("rust")
    with pytest.raises(KeyError) as fake:
        FakeSandboxes(tmp_path)("rust")
    assert str(fake.value) == str(real.value)


def test_the_fake_records_its_calls(tmp_path: Path) -> None:
    opener: OpenSandbox = FakeSandboxes(tmp_path)  # what run_build takes, checked by mypy
    with opener("python") as opened:
        assert isinstance(opened, FakeBox)
        box: Box = opened
        box.put_files({"a.py": b"a"})
        box.exec("true", timeout=5)
        box.install("true", {"requirements.txt": b""})
        box.delete_files(["a.py"])
        assert box.changed_paths() == {}
    assert opened.calls == [
        Call("put_files", ({"a.py": b"a"},)), Call("exec", ("true", 5)),
        Call("install", ("true", {"requirements.txt": b""}, None)),
        Call("delete_files", (["a.py"],)), Call("changed_paths")]
    assert opened.called("exec") == [("true", 5)]


def test_the_fake_removes_its_directory_and_then_refuses_calls(tmp_path: Path) -> None:
    with FakeBox(parent=tmp_path) as box:
        root = box.root
        assert root is not None and box.workspace.is_dir()
    assert box.stopped and not root.exists()
    box.stop()
    with pytest.raises(RuntimeError, match="the sandbox is stopped"):
        box.exec("true")
