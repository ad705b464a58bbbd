"""The host's end of a sandbox's supervisor: requests out, framed answers in, over attach."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import struct
import threading
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
# Input up to this size goes out with the request, which the supervisor reads whole before
# the command starts. Anything larger (or a file) is sent by a thread of its own while this
# one reads the answer: the supervisor passes it on only as the command reads it, and a
# command that writes much before it reads would otherwise stall both ends.
INLINE_STDIN_BYTES = supervisor.CHUNK

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
        head = json.dumps(request).encode() + b"\n"
        sender: _Sender | None = None
        try:
            if isinstance(stdin, bytes) and size <= INLINE_STDIN_BYTES:
                self._sock.sendall(head + stdin)
            else:
                sender = _Sender(self._sock, head, stdin, size)
            outcome = self._answer_to(sink)
        except (OSError, SupervisorGone) as exc:
            if sender is not None and sender.caused:  # the first cause, not the symptom
                reason = str(sender.failure)
            elif isinstance(exc, SupervisorGone):
                raise
            else:
                reason = f"the sandbox stopped answering: {exc}"
            self._broken = reason
            raise SupervisorGone(reason) from None
        if sender is not None:
            # The supervisor answers only after reading all the input: the thread is done.
            sender.join()
            if sender.failure:
                self._break(sender.failure)
        self._broken = None
        return outcome

    def _answer_to(self, sink: Sink) -> Outcome:
        """Read frames, passing output to ``sink``, up to the final one."""
        while True:
            tag, payload = self._next_frame()
            if tag == b"x":
                answer = json.loads(payload)
                return Outcome(answer["exit"], answer["timed_out"], answer["oom_kills"])
            sink(STREAM_NAMES[tag], payload)

    def close(self) -> None:
        self._connection.close()

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


class _InputFailed(Exception):
    """The command's input could not all be read from the host's side."""


class _Sender(threading.Thread):
    """Sends a request and its input on the channel's socket while the caller reads the
    answer from it."""

    def __init__(self, sock: socket.socket, head: bytes, stdin: Stdin, size: int):
        super().__init__(name="kiln-stdin", daemon=True)
        self._sock = sock
        self._head = head
        self._stdin = io.BytesIO(stdin) if isinstance(stdin, bytes) else stdin
        self._size = size
        self.failure: str | None = None  # why the input did not all go out
        self.caused = False  # whether that failure was the input's own, not the socket's
        self.start()

    def run(self) -> None:
        try:
            self._send()
        except _InputFailed as exc:
            # The supervisor would wait for the rest, and the reader for its answer: the
            # socket is shut, so the reader stops waiting and the channel is given up.
            self.failure, self.caused = str(exc), True
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
        except OSError as exc:  # the reader sees the same broken stream
            self.failure = f"the sandbox stopped taking the command's input: {exc}"

    def _send(self) -> None:
        """Send the head then ``size`` bytes of input, a chunk at a time (the first with the
        head, so a small request still goes out in one write)."""
        chunk = self._read(min(self._size, STDIN_CHUNK_BYTES))
        self._sock.sendall(self._head + chunk)
        left = self._size - len(chunk)
        while left and (chunk := self._read(min(left, STDIN_CHUNK_BYTES))):
            self._sock.sendall(chunk)
            left -= len(chunk)
        if left:  # the supervisor would take the next request for the rest of this input
            raise _InputFailed(f"the command's input ended {left} bytes short of its {self._size}")

    def _read(self, size: int) -> bytes:
        try:
            return self._stdin.read(size)
        except Exception as exc:  # a closed or failing file: the rest will never come
            raise _InputFailed(f"the command's input could not be read: {exc}") from exc


def _remaining(stdin: BinaryIO) -> int:
    """How many bytes a seekable file holds from where it stands to its end."""
    start = stdin.tell()
    end = stdin.seek(0, os.SEEK_END)
    stdin.seek(start)
    return end - start
