"""The Sandbox a job opens once: a container with a workspace, files in and out, commands run."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from types import TracebackType

import docker
from docker.models.containers import Container
from docker.models.volumes import Volume

from sandbox import archive, command, container, deps, listing
from sandbox.channel import Channel, Sink
from sandbox.config import SandboxConfig
from sandbox.output import CappedOutput
from sandbox.result import ExecResult, classify

# Changed files are read back with one tar per this many paths (the argv stays short).
READ_BATCH = 200

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
    ) -> None:
        self.client = client
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
    ) -> Sandbox:
        """Create the workspace volume and start the container; nothing is left on failure."""
        all_labels = container.sandbox_labels(labels)
        box = cls(client, image, config, all_labels, container.create_workspace(
            client, config, all_labels))
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
            data = content[0] if isinstance(content, tuple) else content
            self._baseline[path] = listing.Stamp(len(data), listing.to_microseconds(repr(mtime)))

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

    def changed_files(self) -> dict[str, bytes | None]:
        """Files commands changed since start: new bytes, or None when deleted.

        What the caller itself wrote with ``put_files`` or removed with ``delete_files`` is
        not reported: one listing compares sizes and mtimes, only changed files are read.
        """
        changed, deleted = listing.compare(self._baseline, self._listing())
        result: dict[str, bytes | None] = {}
        for start in range(0, len(changed), READ_BATCH):
            batch = changed[start:start + READ_BATCH]
            tar = ["tar", "-c", "-f", "-", "-C", container.WORKSPACE, "--", *batch]
            result.update(archive.unpack_files(self._internal(tar)))
        result.update(dict.fromkeys(deleted))
        return result

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

    def _collect(self, argv: Sequence[str], stdin: bytes = b"") -> tuple[int, bytes, bytes]:
        """Run a short internal command; its exit code, whole stdout and whole stderr."""
        streams = {"stdout": bytearray(), "stderr": bytearray()}
        outcome = self._supervisor.run(
            argv, cwd=container.WORKSPACE, env=container.BASE_ENV, stdin=stdin,
            timeout=self.config.exec_timeout, sink=lambda name, chunk: streams[name].extend(chunk))
        return outcome.exit_code, bytes(streams["stdout"]), bytes(streams["stderr"])

    def _unpack(self) -> ExecResult | None:
        """Write the files put since the last command; a failed result when refused."""
        if not self._pending:
            return None
        data = b"".join(self._pending)
        self._pending.clear()
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
            if on_output is not None:
                on_output(name, chunk)

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
        """Install dependencies into an image cached by base image, command and manifests.

        On success (or a cache hit, ``cached=True``) the sandbox continues from that image with
        its workspace intact; on failure it stays on the current image.
        """
        limit = self.config.install_timeout if timeout is None else timeout
        tag = deps.image_tag(self.client, self.image, cmd, manifests)
        if deps.image_exists(self.client, tag):
            self._switch(tag)
            return ExecResult(0, "", "", 0.0, cached=True)
        installer = deps.start_installer(
            self.client, self.image, self.config, manifests, self.labels)
        try:
            env = {**container.BASE_ENV, **deps.install_env(self.config)}
            with closing(Channel.attach(self.client, installer)) as channel:
                result = self._run(channel, command.argv_for(cmd), limit, on_output, env,
                                   container.DEPS_DIR)
            if result.ok:
                deps.commit(installer, tag)
        finally:
            container.remove(installer)
        if result.ok:
            self._switch(tag)
        return result

    def _switch(self, image: str) -> None:
        # The new container starts before the old one goes: the tmpfs workspace volume stays
        # mounted (and keeps its files) only while some container uses it.
        old, old_channel = self._container, self._channel
        self._container, self._channel = self._start(image)
        self.image = image
        _close(old_channel)
        container.remove(old)

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


def _close(channel: Channel | None) -> None:
    if channel is not None:
        channel.close()
