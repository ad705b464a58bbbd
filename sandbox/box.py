"""The Sandbox a job opens once: a container with a workspace, files in and out, commands run."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

import docker
from docker.models.containers import Container
from docker.models.volumes import Volume

from sandbox import archive, command, container, deps, install_outputs, listing
from sandbox.channel import Channel, Sink, Stdin
from sandbox.config import SandboxConfig
from sandbox.output import CappedOutput
from sandbox.result import ExecResult, classify

# Kiln's own git calls: their own index (the model's staging is left alone), no user or
# system config, and the settings that make git see the files as they are (modes, links).
KILN_INDEX = "/tmp/kiln-index"
GIT_ENV = {"GIT_INDEX_FILE": KILN_INDEX, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_TERMINAL_PROMPT": "0"}
GIT_OPTIONS = ("-c", "core.fileMode=true", "-c", "core.symlinks=true", "-c",
               "core.autocrlf=false", "-c", "core.fsmonitor=false", "-c",
               "core.hooksPath=/dev/null", "-c", "core.quotePath=false")

# Run in the installer and in each sandbox on a deps image (see sandbox/install_outputs.py).
INSTALL_OUTPUTS_SCRIPT = Path(install_outputs.__file__).read_text()

OutputCallback = Sink
"""Receives ``("stdout" or "stderr", chunk)`` while a command runs."""


class Sandbox:
    """One locked-down container and its workspace volume, removed by ``stop()`` or ``with``."""

    def __init__(
        self,
        client: docker.DockerClient,
        image: str,
        config: SandboxConfig,
        labels: Mapping[str, str],
        volume: Volume,
        on_install: deps.CacheTally | None = None,
        on_output: OutputCallback | None = None,
    ) -> None:
        self.client = client
        self._on_install = on_install
        self._on_output = on_output
        self.image = image
        self.config = config
        self.labels = dict(labels)
        self._volume: Volume | None = volume
        self._container: Container | None = None
        self._channel: Channel | None = None
        # The workspace as the caller knows it: what it put, minus what it deleted.
        self._baseline: dict[str, listing.Stamp] = {}
        # Archives put_files packed, sent along with the next command.
        self._pending: list[bytes] = []

    @classmethod
    def start(
        cls,
        client: docker.DockerClient,
        image: str,
        config: SandboxConfig,
        labels: Mapping[str, str] | None = None,
        on_install: deps.CacheTally | None = None,
        on_output: OutputCallback | None = None,
    ) -> Sandbox:
        """Create the workspace volume and start the container; nothing is left on failure.
        ``on_install`` is told whether each ``install`` found its image in the cache;
        ``on_output`` hears every command's output as it comes, besides each call's own."""
        all_labels = container.sandbox_labels(labels)
        box = cls(client, image, config, all_labels, container.create_workspace(
            client, config, all_labels), on_install, on_output)
        try:
            box._container, box._channel = box._start(image)
        except BaseException:
            box.stop()
            raise
        return box

    def _start(self, image: str) -> tuple[Container, Channel]:
        assert self._volume is not None
        started = container.start_container(
            self.client, image, self.config, container.workspace_mount(self._volume), self.labels)
        try:
            return started, Channel.attach(self.client, started)
        except BaseException:
            container.remove(started)
            raise

    @property
    def _active(self) -> Container:
        if self._container is None:
            raise RuntimeError("the sandbox is stopped")
        return self._container

    @property
    def _supervisor(self) -> Channel:
        if self._channel is None:
            raise RuntimeError("the sandbox is stopped")
        return self._channel

    # --- files ---------------------------------------------------------------

    def put_files(self, files: Mapping[str, archive.FileContent]) -> None:
        """Write files into the workspace (bytes, or ``(bytes, mode)``), parents created.

        The files are written just before the next command (or read); a write the workspace
        refuses (full) then fails that command with exit code 125.
        """
        checked = {archive.workspace_path(path): content for path, content in files.items()}
        mtime = round(time.time(), 6)
        self._pending.append(archive.pack(checked, mtime))
        for path, content in checked.items():
            data, mode = content if isinstance(content, tuple) else (content, archive.FILE_MODE)
            self._baseline[path] = listing.Stamp(
                len(data), listing.to_microseconds(repr(mtime)), mode)

    def put_archive(self, data: Stdin) -> None:
        """Unpack a tar into the workspace as it is (modes, symlinks, a ``.git`` directory);
        what it holds becomes the baseline ``changed_paths`` compares with. A file is streamed
        from where it stands, a chunk at a time, so a tar of any size costs no memory here."""
        self._internal_unpack()  # what put_files queued goes first, as it was put first
        if (failed := self._unpack_now(data)) is not None:
            raise RuntimeError(failed.stderr)
        self._baseline = self._listing()

    def read_file(self, path: str) -> bytes:
        """A workspace file's bytes; FileNotFoundError when it is absent."""
        checked = archive.workspace_path(path)
        self._internal_unpack()
        try:
            chunks, _stat = self._active.get_archive(f"{container.WORKSPACE}/{checked}")
        except docker.errors.NotFound:
            raise FileNotFoundError(path) from None
        return archive.unpack_file(chunks, path)

    def delete_files(self, paths: Iterable[str]) -> None:
        """Remove files from the workspace; absent ones are ignored."""
        checked = [archive.workspace_path(path) for path in paths]
        if checked:
            self._internal(["rm", "-f", "--", *checked])
        for path in checked:
            self._baseline.pop(path, None)

    def list_files(self) -> list[str]:
        """Every file in the workspace, relative and sorted, caches and ``.git`` excluded."""
        return sorted(self._listing())

    def changed_paths(self) -> dict[str, listing.Stamp | None]:
        """What commands changed since the last look: each changed file's stamp (size, mode,
        a link's target), or None when deleted. What the caller itself put or deleted is not
        reported; one listing compares stamps, and becomes the baseline for the next look."""
        now = self._listing()
        changed = listing.compare(self._baseline, now)
        self._baseline = now
        return changed

    def git(self, args: Sequence[str], stdin: bytes = b"") -> bytes:
        """Run git in the workspace as the sandbox user, with Kiln's own index and settings;
        its output (RuntimeError when it fails)."""
        self._internal_unpack()
        code, out, err = self._collect(["git", *GIT_OPTIONS, *args], stdin,
                                       {**container.BASE_ENV, **GIT_ENV})
        if code != 0:
            raise RuntimeError(f"git {args[0]} failed ({code}): "
                               f"{err.decode(errors='replace')[-500:]}")
        return out

    def _listing(self) -> dict[str, listing.Stamp]:
        return listing.parse_listing(self._internal(listing.list_command(container.WORKSPACE)))

    def _internal(self, argv: Sequence[str]) -> bytes:
        self._internal_unpack()
        code, out, err = self._collect(argv)
        if code != 0:
            raise RuntimeError(f"sandbox command {argv[0]} failed ({code}): "
                               f"{err.decode(errors='replace')[-500:]}")
        return out

    def _internal_unpack(self) -> None:
        if (failed := self._unpack()) is not None:
            raise RuntimeError(failed.stderr)

    def _collect(self, argv: Sequence[str], stdin: Stdin = b"",
                 env: Mapping[str, str] = container.BASE_ENV) -> tuple[int, bytes, bytes]:
        """Run a short internal command; its exit code, whole stdout and whole stderr."""
        streams = {"stdout": bytearray(), "stderr": bytearray()}
        outcome = self._supervisor.run(
            argv, cwd=container.WORKSPACE, env=env, stdin=stdin,
            timeout=self.config.exec_timeout, sink=lambda name, chunk: streams[name].extend(chunk))
        return outcome.exit_code, bytes(streams["stdout"]), bytes(streams["stderr"])

    def _unpack(self) -> ExecResult | None:
        """Write the files put since the last command; a failed result when refused."""
        if not self._pending:
            return None
        data = b"".join(self._pending)
        self._pending.clear()
        return self._unpack_now(data)

    def _unpack_now(self, data: Stdin) -> ExecResult | None:
        """Unpack a tar into the workspace; a failed result when refused."""
        code, _out, err = self._collect(command.unpack_argv(container.WORKSPACE), data)
        if code == 0:
            return None
        message = f"{command.UNPACK_FAILED}\n{err.decode(errors='replace')[-500:]}"
        return ExecResult(command.UNPACK_EXIT_CODE, "", message, 0.0)

    # --- commands ------------------------------------------------------------

    def exec(
        self,
        cmd: str | Sequence[str],
        timeout: float | None = None,
        on_output: OutputCallback | None = None,
    ) -> ExecResult:
        """Run a shell command line (or an argv list) in the workspace as the sandbox user.

        The whole process tree is killed at the timeout (exit code 124, ``timed_out``) and
        whatever a command leaves running is killed when it ends.
        """
        if (failed := self._unpack()) is not None:
            return failed
        limit = self.config.exec_timeout if timeout is None else timeout
        return self._run(self._supervisor, command.argv_for(cmd), limit, on_output)

    def _run(
        self,
        channel: Channel,
        argv: list[str],
        limit: float,
        on_output: OutputCallback | None,
        env: Mapping[str, str] = container.BASE_ENV,
        workdir: str = container.WORKSPACE,
    ) -> ExecResult:
        buffers = {"stdout": CappedOutput(self.config.output_cap),
                   "stderr": CappedOutput(self.config.output_cap)}

        def sink(name: str, chunk: bytes) -> None:
            buffers[name].write(chunk)
            for listener in (on_output, self._on_output):
                if listener is not None:
                    listener(name, chunk)

        began = time.monotonic()
        outcome = channel.run(argv, cwd=workdir, env=env, timeout=limit, sink=sink)
        duration = time.monotonic() - began
        code, timed_out, oom = classify(outcome.exit_code, outcome.timed_out, outcome.oom_kills)
        return ExecResult(code, buffers["stdout"].text(), buffers["stderr"].text(), duration,
                          timed_out, oom)

    # --- dependencies --------------------------------------------------------

    def install(
        self,
        cmd: str,
        manifests: Mapping[str, bytes],
        timeout: float | None = None,
        on_output: OutputCallback | None = None,
    ) -> ExecResult:
        """Install against a copy of the workspace, into an image cached by the base image, the
        command and ``manifests`` (what the install depends on: every manifest and lock file).

        The install runs at ``/workspace`` (so ``pip install -e .``, local path dependencies
        and npm workspaces work); what it adds there is kept in the image and put back in the
        workspace, excluded from git. On success (or a cache hit, ``cached=True``) the sandbox
        continues from that image with its workspace intact; on failure nothing changes.
        """
        limit = self.config.install_timeout if timeout is None else timeout
        tag = deps.image_tag(self.client, self.image, cmd, manifests)
        if deps.look_up(self.client, tag, self._on_install):
            self._switch(tag)
            return ExecResult(0, "", "", 0.0, cached=True)
        self._internal_unpack()  # the installer copies the workspace as it is now
        assert self._volume is not None
        scratch = container.create_workspace(self.client, self.config, self.labels)
        try:
            # deps.install owns the rest: egress, the install-only files, failures, pruning.
            result = deps.install(
                self.client, self.image, self.config, {}, self.labels, tag,
                lambda run: self._install_in(run, cmd, limit, on_output),
                installer_mounts(scratch, self._volume))
        finally:
            container.remove_volume(scratch)
        if result.ok:
            self._switch(tag)
        return result

    def _install_in(self, run: deps.Installer, cmd: str, limit: float,
                    on_output: OutputCallback | None) -> ExecResult:
        """Stage the workspace in the installer, install, keep what the install added."""
        _script(run.channel, "stage", limit)
        result = self._run(run.channel, command.argv_for(cmd), limit, on_output, run.env,
                           container.WORKSPACE)
        if result.ok:
            _script(run.channel, "keep", limit)
        return result

    def _switch(self, image: str) -> None:
        # The new container starts before the old one goes: the tmpfs workspace volume stays
        # mounted (and keeps its files) only while some container uses it.
        old, old_channel = self._container, self._channel
        self._container, self._channel = self._start(image)
        self.image = image
        _close(old_channel)
        container.remove(old)
        self._restore()

    def _restore(self) -> None:
        """Put back what the image's install added to the workspace; it is the environment,
        not the project, so it joins the baseline and no caller hears of it as a change."""
        out = self._internal(install_outputs_argv("restore"))
        roots = [root for root in out.decode(errors="surrogateescape").split(
            install_outputs.SEPARATOR) if root]
        self._baseline.update({path: stamp for path, stamp in self._listing().items()
                               if install_outputs.within(path, roots)})

    # --- lifetime ------------------------------------------------------------

    def stop(self) -> None:
        """Remove the container and the workspace volume. Safe to call twice."""
        old, self._container = self._container, None
        channel, self._channel = self._channel, None
        self._pending.clear()
        _close(channel)
        container.remove(old)
        volume, self._volume = self._volume, None
        container.remove_volume(volume)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def installer_mounts(scratch: Volume, workspace: Volume) -> deps.Mounts:
    """The installer's own workspace at the sandbox's path, and the sandbox's workspace,
    read-only, to copy from (neither is part of a committed image)."""
    return {str(scratch.name): {"bind": container.WORKSPACE, "mode": "rw,nocopy"},
            str(workspace.name): {"bind": install_outputs.SOURCE, "mode": "ro,nocopy"}}


def install_outputs_argv(action: str) -> list[str]:
    return ["python3", "-I", "-S", "-c", INSTALL_OUTPUTS_SCRIPT, action]


def _script(channel: Channel, action: str, limit: float) -> None:
    """Run an install_outputs action in the installer (copies as large as the workspace, so
    within the install's own time limit); RuntimeError when it fails."""
    errors = bytearray()
    outcome = channel.run(install_outputs_argv(action), cwd="/tmp", env=container.BASE_ENV,
                          timeout=limit,
                          sink=lambda _name, chunk: errors.extend(chunk))
    if outcome.exit_code != 0:
        raise RuntimeError(f"install {action} failed: {errors.decode(errors='replace')[-500:]}")


def _close(channel: Channel | None) -> None:
    if channel is not None:
        channel.close()
