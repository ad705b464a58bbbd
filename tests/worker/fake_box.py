"""FakeBox: the builder's sandbox without Docker, running real commands in a temporary directory."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO

from kiln.settings import Settings
from sandbox import SandboxConfig, archive, command, container, deps, install_outputs, listing
from sandbox.box import GIT_ENV, GIT_OPTIONS
from sandbox.output import CappedOutput
from sandbox.result import TIMEOUT_EXIT_CODE, ExecResult

OutputCallback = Callable[[str, bytes], None]
"""Receives ``("stdout" or "stderr", chunk)`` while a command runs, as the real one's does."""

IMAGES = {"python": "fake-python", "node": "fake-node"}
# What the real supervisor answers when a command cannot start at all.
NOT_FOUND_EXIT = 127
NOT_EXECUTABLE_EXIT = 126
# How long to wait for a command's pipes to close once its process group is killed: only a
# process that left the group (setsid) can still hold them, and the fake cannot reach it.
DRAIN_SECONDS = 5.0
CHUNK = 65536
# The tests' own virtualenv stands in for the image's python3 with pytest.
HOST_BIN = str(Path(sys.executable).parent)


def _default(name: str) -> Any:
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class Limits:
    """The limits a FakeBox honours; Kiln's defaults unless a SandboxConfig gives them."""

    exec_timeout: float = _default("sandbox_exec_timeout_seconds")
    output_cap: int = _default("sandbox_output_cap_bytes")
    install_timeout: float = _default("sandbox_install_timeout_seconds")

    @classmethod
    def of(cls, config: SandboxConfig) -> Limits:
        return cls(config.exec_timeout, config.output_cap, config.install_timeout)


@dataclass(frozen=True)
class Call:
    """One call a FakeBox got: the method's name and its arguments as given."""

    method: str
    args: tuple[Any, ...] = ()


class DepsCache:
    """Stands in for the ``kiln-deps:<sha256>`` images: finished dependency directories by tag."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, tag: str) -> Path:
        return self.directory / tag.partition(":")[2]

    def has(self, tag: str) -> bool:
        return self._path(tag).is_dir()

    def store(self, tag: str, source: Path) -> None:
        shutil.copytree(source, self._path(tag), symlinks=True)

    def restore(self, tag: str, target: Path) -> None:
        shutil.rmtree(target)
        shutil.copytree(self._path(tag), target, symlinks=True)


class FakeBox:
    """``sandbox.Sandbox``'s API (so the builder's ``Box``) without Docker, for tests.

    NOT ISOLATED. Commands run on the host as the test process's user, with its network, its
    file system and no memory or process limit; only the working directory (a private
    temporary one playing ``/workspace``), the environment and the timeout are the sandbox's.
    Use it only to run commands the tests themselves wrote, never code from a model.

    What it keeps of the real one: files put are written just before the next command (a
    refused write fails that command with 125), with their modes; ``changed_paths`` compares
    listings (the real listing command, caches excluded) against a baseline of what was put or
    deleted through the API and the last look; ``git`` runs the host's git with the real
    one's index and settings; commands run under ``sh -c`` with Kiln's sandbox
    environment, output capped head and tail; a timeout kills the process group (124,
    ``timed_out``) and whatever a command leaves in its group is killed when it ends;
    ``install`` runs on a copy of the workspace, into a dependency directory (on ``PATH``)
    that also keeps what the install added to the workspace, put back after it; cached by
    image, command and manifests (a second install in one box starts from the image the
    first made, so only another box sharing the ``DepsCache``, as FakeSandboxes' boxes do,
    sees a hit; the real cache is global). What it cannot: uid 1000, a read-only dependency
    directory, no network, ``oom_killed``, and processes that leave the process group
    survive. pip user installs fail (the virtualenv refuses them); the copy the install runs
    on is not at the workspace's own path, and installed files that name their own absolute
    path break when a cache hit copies them to another box.

    ``calls`` records every call, for tests to assert on.
    """

    def __init__(self, image: str = IMAGES["python"], *, limits: Limits | None = None,
                 parent: Path | None = None, cache: DepsCache | None = None) -> None:
        self.image = image
        self.limits = limits or Limits()
        self.root: Path | None = Path(tempfile.mkdtemp(prefix="kiln-fakebox-", dir=parent))
        self.workspace, self.deps, self.tmp = (self.root / n for n in ("workspace", "deps", "tmp"))
        for directory in (self.workspace, self.deps, self.tmp):
            directory.mkdir()
        self.cache = cache or DepsCache(self.root / "deps-cache")
        self.calls: list[Call] = []
        # The workspace as the caller knows it: what it put, minus what it deleted.
        self._baseline: dict[str, listing.Stamp] = {}
        # Files put since the last command, with the mtime (microseconds) they get.
        self._pending: list[tuple[dict[str, archive.FileContent], int]] = []
        self._lock = threading.Lock()  # execs in one sandbox run one at a time

    @property
    def stopped(self) -> bool:
        return self.root is None

    def called(self, method: str) -> list[tuple[Any, ...]]:
        """The arguments of every call to ``method``, in order."""
        return [call.args for call in self.calls if call.method == method]

    # --- files ---------------------------------------------------------------

    def put_files(self, files: Mapping[str, archive.FileContent]) -> None:
        """Queue files (bytes, or ``(bytes, mode)``) for the next command, as the real one does."""
        self.calls.append(Call("put_files", (dict(files),)))
        checked = {archive.workspace_path(path): content for path, content in files.items()}
        mtime_us = listing.to_microseconds(repr(round(time.time(), 6)))
        self._pending.append((checked, mtime_us))
        for path, content in checked.items():
            data, mode = content if isinstance(content, tuple) else (content, archive.FILE_MODE)
            self._baseline[path] = listing.Stamp(len(data), mtime_us, mode)

    def put_archive(self, data: BinaryIO) -> None:
        """Unpack a tar (a file, read from where it stands) into the workspace as it is; it
        becomes the baseline, as in the real."""
        self.calls.append(Call("put_archive"))
        workspace = self._live_workspace()
        self._settle()
        with tarfile.open(fileobj=data) as tar:
            tar.extractall(workspace, filter=_as_test_user)
        self._baseline = self._listing()

    def read_file(self, path: str) -> bytes:
        """A workspace file's bytes; FileNotFoundError when it is absent."""
        self.calls.append(Call("read_file", (path,)))
        target = self._live_workspace() / archive.workspace_path(path)
        self._settle()
        if target.is_symlink() or target.is_dir():
            raise IsADirectoryError(path)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(path) from None

    def delete_files(self, paths: Iterable[str]) -> None:
        """Remove files from the workspace; absent ones are ignored."""
        given = list(paths)
        self.calls.append(Call("delete_files", (given,)))
        checked = [archive.workspace_path(path) for path in given]
        if checked:
            self._remove(checked)
        for path in checked:
            self._baseline.pop(path, None)

    def _remove(self, checked: list[str]) -> None:
        workspace = self._live_workspace()
        self._settle()
        failures = [f"rm: cannot remove '{path}': {error.strerror}\n" for path in checked
                    if (error := _unlink(workspace / path)) is not None]
        if failures:  # the real ``rm -f`` refuses directories, and says so
            raise RuntimeError(f"sandbox command rm failed (1): {''.join(failures)}")

    def list_files(self) -> list[str]:
        """Every file in the workspace, relative and sorted, caches and ``.git`` excluded."""
        self.calls.append(Call("list_files"))
        return sorted(self._listing())

    def changed_paths(self) -> dict[str, listing.Stamp | None]:
        """What commands changed since the last look, as the real one compares listings."""
        self.calls.append(Call("changed_paths"))
        now = self._listing()
        changed = listing.compare(self._baseline, now)
        self._baseline = now
        return changed

    def git(self, args: Sequence[str], stdin: bytes = b"") -> bytes:
        """Run the host's git in the workspace with the real sandbox's index and settings."""
        self.calls.append(Call("git", (list(args),)))
        workspace = self._live_workspace()
        self._settle()
        env = {**self._env(), **GIT_ENV, "GIT_INDEX_FILE": str(self.tmp / "kiln-index")}
        done = subprocess.run(["git", *GIT_OPTIONS, *args], cwd=workspace, env=env,
                              input=stdin, capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"git {args[0]} failed ({done.returncode}): "
                               f"{done.stderr.decode(errors='replace')[-500:]}")
        return done.stdout

    def _listing(self) -> dict[str, listing.Stamp]:
        # The real sandbox's own find command, so exclusions and mtime precision match.
        workspace = self._live_workspace()
        self._settle()
        found = subprocess.run(listing.list_command(str(workspace)), capture_output=True)
        if found.returncode != 0:
            raise RuntimeError(f"sandbox command find failed ({found.returncode}): "
                               f"{found.stderr.decode(errors='replace')[-500:]}")
        return listing.parse_listing(found.stdout)

    def _settle(self) -> None:
        """Write what was put, failing as the real one's internal commands do."""
        if (failed := self._unpack()) is not None:
            raise RuntimeError(failed.stderr)

    def _unpack(self) -> ExecResult | None:
        """Write the files put since the last command; a failed result when refused."""
        pending, self._pending = self._pending, []
        try:
            for files, mtime_us in pending:
                for path, content in files.items():
                    _write(self._live_workspace(), path, content, mtime_us)
        except OSError as exc:
            return ExecResult(command.UNPACK_EXIT_CODE, "", f"{command.UNPACK_FAILED}\n{exc}", 0.0)
        return None

    # --- commands ------------------------------------------------------------

    def exec(self, cmd: str | Sequence[str], timeout: float | None = None,
             on_output: OutputCallback | None = None) -> ExecResult:
        """Run a shell command line (or an argv list) in the workspace."""
        self.calls.append(Call("exec", (cmd, timeout)))
        with self._lock:
            workspace = self._live_workspace()
            if (failed := self._unpack()) is not None:
                return failed
            limit = self.limits.exec_timeout if timeout is None else timeout
            return _run(command.argv_for(cmd), limit, self._env(), workspace,
                        _Output(self.limits.output_cap, on_output))

    def _env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The real sandbox's environment, moved into this box; nothing of the host's leaks."""
        env = {name: self._moved(value) for name, value in {**container.BASE_ENV,
                                                              **(extra or {})}.items()}
        env["HOME"] = env["TMPDIR"] = str(self.tmp)
        # The installed tools come first, as in the real one; then the tests' python, then the
        # system's directories.
        paths = env["PATH"].split(":")
        installed = [path for path in paths if path.startswith(str(self.deps))]
        env["PATH"] = ":".join([*installed, HOST_BIN, *paths[len(installed):]])
        return env

    def _moved(self, value: str) -> str:
        return value.replace(container.DEPS_DIR, str(self.deps))

    # --- dependencies --------------------------------------------------------

    def install(self, cmd: str, manifests: Mapping[str, bytes], timeout: float | None = None,
                on_output: OutputCallback | None = None) -> ExecResult:
        """Install against a copy of the workspace into the dependency directory, cached by
        image, command and manifests.

        On success (or a cache hit, ``cached=True``) later commands see what it installed and
        what it added to the workspace (excluded from git, not reported as changed); on
        failure nothing changes. Files put and not yet written are written first.
        """
        self.calls.append(Call("install", (cmd, dict(manifests), timeout)))
        with self._lock:
            self._settle()
            tag = f"{deps.DEPS_REPOSITORY}:{deps.cache_key(self.image, cmd, manifests)}"
            if self.cache.has(tag):
                self.cache.restore(tag, self.deps)
                self.image = tag
                self._restore()
                return ExecResult(0, "", "", 0.0, cached=True)
            limit = self.limits.install_timeout if timeout is None else timeout
            return self._install(cmd, limit, on_output, tag)

    def _install(self, cmd: str, limit: float, on_output: OutputCallback | None,
                 tag: str) -> ExecResult:
        # As the real one: the install runs on a copy of the workspace (a failure changes
        # nothing there), and what it adds to it is kept with the dependencies and put back.
        # The dependency directory is installed in place, so the paths tools record
        # (shebangs) stay right, and restored from a copy on failure.
        assert self.root is not None
        before, scratch = self.root / "deps-before", self.root / "install-workspace"
        shutil.copytree(self.deps, before, symlinks=True)
        listed = str(self.tmp / "kiln-before")
        install_outputs.stage(str(self.workspace), str(scratch), listed)
        env = self._env(deps.INSTALL_ENV)
        result = _run(command.argv_for(cmd), limit, env, scratch,
                      _Output(self.limits.output_cap, on_output))
        if result.ok:
            install_outputs.keep(str(scratch), listed, *self._kept())
            self.cache.store(tag, self.deps)
            self.image = tag
            shutil.rmtree(before)
            self._restore()
        else:
            shutil.rmtree(self.deps)
            before.rename(self.deps)
        shutil.rmtree(scratch)
        return result

    def _kept(self) -> tuple[str, str]:
        """Where the real image keeps the install's own files, and their names, moved here."""
        return self._moved(install_outputs.KEPT), self._moved(install_outputs.ROOTS)

    def _restore(self) -> None:
        roots = install_outputs.restore(str(self.workspace), *self._kept())
        self._baseline.update({path: stamp for path, stamp in self._listing().items()
                               if install_outputs.within(path, roots)})

    # --- lifetime ------------------------------------------------------------

    def _live_workspace(self) -> Path:
        if self.root is None:
            raise RuntimeError("the sandbox is stopped")
        return self.workspace

    def stop(self) -> None:
        """Remove the box's directory. Safe to call twice."""
        root, self.root = self.root, None
        self._pending.clear()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> FakeBox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class FakeSandboxes:
    """An ``open_sandbox`` for ``run_build``: a FakeBox per call, under ``parent``.

    The boxes share one install cache, as real sandboxes share the ``kiln-deps`` images;
    ``boxes`` keeps every box opened, so tests can look at their calls afterwards.
    """

    def __init__(self, parent: Path, limits: Limits | None = None) -> None:
        self.parent = parent
        self.limits = limits
        (parent / "deps-cache").mkdir(exist_ok=True)
        self.cache = DepsCache(parent / "deps-cache")
        self.boxes: list[FakeBox] = []

    def __call__(self, language: str) -> FakeBox:
        if language not in IMAGES:  # the real SandboxConfig.image_for's answer
            raise KeyError(f"no sandbox image for language {language!r}")
        box = FakeBox(IMAGES[language], limits=self.limits, parent=self.parent, cache=self.cache)
        self.boxes.append(box)
        return box


class _Output:
    """A command's two streams, capped as the real sandbox caps them, fed by reader threads."""

    def __init__(self, cap: int, on_output: OutputCallback | None) -> None:
        self.streams = {"stdout": CappedOutput(cap), "stderr": CappedOutput(cap)}
        self.on_output = on_output
        self.began = time.monotonic()
        self._lock = threading.Lock()  # the callback sees one chunk at a time, as from the real

    def write(self, name: str, chunk: bytes) -> None:
        with self._lock:
            self.streams[name].write(chunk)
            if self.on_output is not None:
                self.on_output(name, chunk)

    def read(self, name: str, pipe: IO[bytes]) -> threading.Thread:
        def pump() -> None:
            with pipe:
                for chunk in iter(lambda: os.read(pipe.fileno(), CHUNK), b""):
                    self.write(name, chunk)

        reader = threading.Thread(target=pump, name=f"fakebox-{name}", daemon=True)
        reader.start()
        return reader

    def result(self, exit_code: int, timed_out: bool = False) -> ExecResult:
        return ExecResult(exit_code, self.streams["stdout"].text(), self.streams["stderr"].text(),
                          time.monotonic() - self.began, timed_out)


def _run(argv: list[str], limit: float, env: dict[str, str], cwd: Path,
         output: _Output) -> ExecResult:
    """Run one command to its end or its timeout; what it printed, capped."""
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except (FileNotFoundError, NotADirectoryError) as exc:
        output.write("stderr", f"kiln-sandbox: {exc}\n".encode())
        return output.result(NOT_FOUND_EXIT)
    except OSError as exc:
        output.write("stderr", f"kiln-sandbox: {exc}\n".encode())
        return output.result(NOT_EXECUTABLE_EXIT)
    assert proc.stdout is not None and proc.stderr is not None
    readers = [output.read("stdout", proc.stdout), output.read("stderr", proc.stderr)]
    timed_out = _wait(proc, limit)
    for reader in readers:
        reader.join(DRAIN_SECONDS)
    assert proc.returncode is not None
    # A signal's death reads as 128 + signal number, as the supervisor reports it.
    code = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
    return output.result(TIMEOUT_EXIT_CODE if timed_out else code, timed_out)


def _wait(proc: subprocess.Popen[bytes], limit: float) -> bool:
    """Wait for the command, then kill its process group; True when the timeout fired first.

    The kill ends the command's tree at the timeout, and what it left running when it ends
    (the real supervisor sweeps every sandbox process). The leader stays an unreaped zombie
    until then, so its group id cannot have been reused by another process.
    """
    pidfd = os.pidfd_open(proc.pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], max(limit, 0.0))
    finally:
        os.close(pidfd)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return not ready


def _as_test_user(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    """A member owned by whoever runs the tests (as the real one's belong to its user)."""
    checked = tarfile.tar_filter(member, dest)
    return checked.replace(uid=os.getuid(), gid=os.getgid(), uname="", gname="")


def _write(root: Path, path: str, content: archive.FileContent, mtime_us: int) -> None:
    """Write one file as the real sandbox's tar does: replaced (never written through a
    link), its mode set, and the mtime the baseline recorded."""
    data, mode = content if isinstance(content, tuple) else (content, archive.FILE_MODE)
    _make_parents(root, path)
    target = root / path
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        target.rmdir()  # tar replaces an empty directory too; a full one fails the write
    target.write_bytes(data)
    target.chmod(mode)
    os.utime(target, ns=(mtime_us * 1000, mtime_us * 1000))


def _make_parents(root: Path, path: str) -> None:
    """Create the directories above ``path``; tar replaces a file or link in their way."""
    for name in archive.parent_dirs([path]):
        parent = root / name
        if parent.is_symlink() or parent.is_file():
            parent.unlink()
        if not parent.is_dir():
            parent.mkdir(mode=archive.DIR_MODE)


def _unlink(path: Path) -> OSError | None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        return error
    return None
