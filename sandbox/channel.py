"""The host's end of a sandbox's supervisor: requests out, framed answers in, over attach."""

from __future__ import annotations

import json
import os
import socket
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import docker
from docker.models.containers import Container

from sandbox import supervisor

# The container's main process; -S skips site-packages, so its start-up is a few ms.
SUPERVISOR_COMMAND = ["python3", "-I", "-S", "-c", Path(supervisor.__file__).read_text()]
# The supervisor enforces each timeout itself; the host waits this much longer for its
# answer before it gives the sandbox up as broken.
GRACE_SECONDS = 30.0
DOCKER_HEADER = struct.Struct(">BxxxI")
FRAME_HEADER = struct.Struct(">cI")
DOCKER_STDOUT, DOCKER_STDERR = 1, 2
STREAM_NAMES = {b"o": "stdout", b"e": "stderr"}
DIAGNOSTIC_TAIL = 2000
# The host buffers a frame whole before using it, so a length read from a header is a promise
# of memory: a header from a broken or hostile image could ask for 4 GiB. The supervisor
# writes at most 64 KiB a frame (its CHUNK) and Docker splits the stream finer still, so
# anything larger is no stream Kiln's supervisor wrote, and the channel is given up.
MAX_FRAME_BYTES = 1 << 20
MAX_DOCKER_FRAME_BYTES = 16 << 20
# A file given as standard input is sent this much at a time, so the host holds no more of
# it than this, however large the file (a whole repository's tar).
STDIN_CHUNK_BYTES = 1 << 20

Sink = Callable[[str, bytes], None]
"""Receives ``("stdout" or "stderr", chunk)`` as the command writes it."""

Stdin = bytes | BinaryIO
"""A command's standard input: bytes, or a seekable binary file sent from where it stands
to its end, a chunk at a time."""


class SupervisorGone(RuntimeError):
    """The supervisor stopped answering: its container died or hung."""


@dataclass(frozen=True)
class Outcome:
    """How a command ended, as the supervisor saw it."""

    exit_code: int
    timed_out: bool
    oom_kills: int


class Channel:
    """One attach connection to one container's supervisor; a request at a time."""

    def __init__(self, connection: Any):
        # The SDK's socket wrapper; the response it holds keeps the connection open.
        self._connection = connection
        self._sock: socket.socket = connection._sock
        self._docker = bytearray()  # the attach stream, still in Docker's frames
        self._answer = bytearray()  # the supervisor's standard output, in its own frames
        self._diagnostics = bytearray()  # the supervisor's standard error, for error messages
        self._broken: str | None = None  # why the stream can no longer be trusted

    @classmethod
    def attach(cls, client: docker.DockerClient, container: Container) -> Channel:
        params = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
        return cls(client.api.attach_socket(str(container.id), params=params))

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: str,
        env: Mapping[str, str],
        timeout: float,
        stdin: Stdin = b"",
        sink: Sink,
    ) -> Outcome:
        """Run ``argv`` in the container as the sandbox user, streaming its output to ``sink``."""
        if self._broken is not None:
            raise SupervisorGone(self._broken)
        size = len(stdin) if isinstance(stdin, bytes) else _remaining(stdin)
        request = {"argv": list(argv), "cwd": cwd, "env": dict(env), "timeout": timeout,
                   "stdin": size}
        self._sock.settimeout(timeout + GRACE_SECONDS)
        # Until the final frame arrives, any way out leaves the rest of this command's
        # frames in the stream, where the next request would misread them.
        self._broken = "an earlier command was abandoned mid-stream"
        try:
            head = json.dumps(request).encode() + b"\n"
            if isinstance(stdin, bytes):
                self._sock.sendall(head + stdin)
            else:
                self._send_file(head, stdin, size)
            while True:
                tag, payload = self._next_frame()
                if tag == b"x":
                    answer = json.loads(payload)
                    self._broken = None
                    return Outcome(answer["exit"], answer["timed_out"], answer["oom_kills"])
                sink(STREAM_NAMES[tag], payload)
        except OSError as exc:
            self._broken = f"the sandbox stopped answering: {exc}"
            raise SupervisorGone(self._broken) from None

    def close(self) -> None:
        self._connection.close()

    def _send_file(self, head: bytes, stdin: BinaryIO, size: int) -> None:
        """Send ``head`` then ``size`` bytes of ``stdin``, a chunk at a time (the first with
        ``head``, so a small request still goes out in one write)."""
        chunk = stdin.read(min(size, STDIN_CHUNK_BYTES))
        self._sock.sendall(head + chunk)
        left = size - len(chunk)
        while left and (chunk := stdin.read(min(left, STDIN_CHUNK_BYTES))):
            self._sock.sendall(chunk)
            left -= len(chunk)
        if left:  # the supervisor would take the next request for the rest of this input
            self._break(f"the command's input ended {left} bytes short of its {size}")

    def _next_frame(self) -> tuple[bytes, bytes]:
        while len(self._answer) < FRAME_HEADER.size:
            self._receive()
        tag, size = FRAME_HEADER.unpack_from(self._answer)
        if tag not in STREAM_NAMES and tag != b"x":
            self._break(f"the supervisor sent a frame of unknown kind {tag!r}")
        if size > MAX_FRAME_BYTES:
            self._break(f"the supervisor announced a {size}-byte frame "
                        f"(at most {MAX_FRAME_BYTES} allowed)")
        end = FRAME_HEADER.size + size
        while len(self._answer) < end:
            self._receive()
        payload = bytes(self._answer[FRAME_HEADER.size:end])
        del self._answer[:end]
        return tag, payload

    def _receive(self) -> None:
        """Read from the socket and sort Docker's frames into answer and diagnostics."""
        chunk = self._sock.recv(1 << 16)
        if not chunk:
            said = self._diagnostics.decode(errors="replace").strip()
            self._break(f"the sandbox ended: {said or 'no message'}")
        self._docker += chunk
        while len(self._docker) >= DOCKER_HEADER.size:
            stream, size = DOCKER_HEADER.unpack_from(self._docker)
            if size > MAX_DOCKER_FRAME_BYTES:
                self._break(f"the attach stream announced a {size}-byte frame "
                            f"(at most {MAX_DOCKER_FRAME_BYTES} allowed)")
            end = DOCKER_HEADER.size + size
            if len(self._docker) < end:
                return
            if stream == DOCKER_STDOUT:
                self._answer += self._docker[DOCKER_HEADER.size:end]
            else:  # only its tail is ever quoted, so only the tail is kept
                self._diagnostics += self._docker[DOCKER_HEADER.size:end]
                del self._diagnostics[:-DIAGNOSTIC_TAIL]
            del self._docker[:end]

    def _break(self, reason: str) -> NoReturn:
        """Give the channel up: what follows in the stream can no longer be trusted."""
        self._broken = reason
        raise SupervisorGone(reason)


def _remaining(stdin: BinaryIO) -> int:
    """How many bytes a seekable file holds from where it stands to its end."""
    start = stdin.tell()
    end = stdin.seek(0, os.SEEK_END)
    stdin.seek(start)
    return end - start
