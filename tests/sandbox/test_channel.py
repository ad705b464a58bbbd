"""The host's end of the supervisor against a fake attach stream: sizes it will not buffer,
and input streamed from a file (also to a real sandbox)."""

from __future__ import annotations

import hashlib
import io
import json
import random
import socket
import struct
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sandbox import Sandbox, container
from sandbox.channel import DIAGNOSTIC_TAIL, STDIN_CHUNK_BYTES, Channel, SupervisorGone

DOCKER_STDOUT, DOCKER_STDERR = 1, 2
# A channel that waits for the rest of a huge frame would wait out its 35 s grace instead.
pytestmark = pytest.mark.timeout(10)


@dataclass
class FakeAttach:
    """What ``attach_socket`` gives the channel: a socket (and something to close)."""

    _sock: socket.socket

    def close(self) -> None:
        self._sock.close()


def docker_frame(stream: int, payload: bytes, size: int | None = None) -> bytes:
    return struct.pack(">BxxxI", stream, len(payload) if size is None else size) + payload


def supervisor_frame(tag: bytes, payload: bytes, size: int | None = None) -> bytes:
    return tag + struct.pack(">I", len(payload) if size is None else size) + payload


EXITED = docker_frame(DOCKER_STDOUT, supervisor_frame(
    b"x", b'{"exit": 0, "timed_out": false, "oom_kills": 0}'))


@pytest.fixture
def stream() -> Iterator[tuple[Channel, socket.socket]]:
    """A channel and the fake supervisor's end of its attach stream."""
    host, supervisor = socket.socketpair()
    channel = Channel(FakeAttach(host))
    yield channel, supervisor
    channel.close()
    supervisor.close()


def answer(channel: Channel, supervisor: socket.socket, data: bytes) -> SupervisorGone:
    """Send ``data`` as the supervisor and leave the stream open; what the channel raised."""
    # The sender runs apart: a channel buffering a huge frame would block the send forever.
    sender = threading.Thread(target=supervisor.sendall, args=(data,), daemon=True)
    sender.start()
    with pytest.raises(SupervisorGone) as gone:
        channel.run(["true"], cwd="/", env={}, timeout=5, sink=lambda name, chunk: None)
    return gone.value


def test_a_well_formed_answer_is_read(stream) -> None:
    channel, supervisor = stream
    frames = (supervisor_frame(b"o", b"hi\n")
              + supervisor_frame(b"x", b'{"exit": 0, "timed_out": false, "oom_kills": 0}'))
    supervisor.sendall(docker_frame(DOCKER_STDOUT, frames))
    seen: list[tuple[str, bytes]] = []

    outcome = channel.run(["true"], cwd="/", env={}, timeout=5,
                          sink=lambda name, chunk: seen.append((name, chunk)))

    assert (outcome.exit_code, seen) == (0, [("stdout", b"hi\n")])


def test_a_supervisor_frame_announcing_4_gib_breaks_the_channel_at_once(stream) -> None:
    channel, supervisor = stream

    gone = answer(channel, supervisor,
                  docker_frame(DOCKER_STDOUT, supervisor_frame(b"o", b"", size=2**32 - 1)))

    assert "4294967295-byte frame" in str(gone)
    with pytest.raises(SupervisorGone, match="4294967295-byte frame"):  # and stays broken
        channel.run(["true"], cwd="/", env={}, timeout=5, sink=lambda name, chunk: None)


def test_a_docker_frame_announcing_4_gib_breaks_the_channel_at_once(stream) -> None:
    channel, supervisor = stream

    gone = answer(channel, supervisor, docker_frame(DOCKER_STDOUT, b"o", size=2**32 - 1))

    assert "attach stream announced a 4294967295-byte frame" in str(gone)


def test_a_frame_of_unknown_kind_breaks_the_channel(stream) -> None:
    channel, supervisor = stream

    gone = answer(channel, supervisor, docker_frame(DOCKER_STDOUT, supervisor_frame(b"?", b"")))

    assert "unknown kind" in str(gone)


def test_only_the_tail_of_the_supervisors_own_errors_is_kept(stream) -> None:
    channel, supervisor = stream
    errors = b"".join(docker_frame(DOCKER_STDERR, b"n" * 60_000) for _ in range(50))

    def die_noisily() -> None:
        supervisor.sendall(errors + docker_frame(DOCKER_STDERR, b"last words"))
        supervisor.shutdown(socket.SHUT_WR)

    threading.Thread(target=die_noisily, daemon=True).start()

    with pytest.raises(SupervisorGone, match=r"ended: n+last words$"):
        channel.run(["true"], cwd="/", env={}, timeout=5, sink=lambda name, chunk: None)
    assert len(channel._diagnostics) == DIAGNOSTIC_TAIL


def take_request(supervisor: socket.socket, received: dict[str, Any]) -> None:
    """Read one request and its input as the supervisor does, then answer that it exited."""
    with supervisor.makefile("rb") as reader:
        received["request"] = json.loads(reader.readline())
        received["stdin"] = reader.read(received["request"]["stdin"])
    supervisor.sendall(EXITED)


def test_a_file_is_sent_from_where_it_stands_to_its_end(stream) -> None:
    channel, supervisor = stream
    data = random.Random(5).randbytes(2 * STDIN_CHUNK_BYTES + 5)
    spool = io.BytesIO(b"skipped" + data)
    spool.seek(len(b"skipped"))
    received: dict[str, Any] = {}
    threading.Thread(target=take_request, args=(supervisor, received), daemon=True).start()

    outcome = channel.run(["cat"], cwd="/", env={}, timeout=5, stdin=spool,
                          sink=lambda name, chunk: None)

    assert outcome.exit_code == 0 and received["request"]["stdin"] == len(data)
    assert received["stdin"] == data


class Shrunk(io.BytesIO):
    """A file that ends sooner than its size said (cut short while it was sent)."""

    def read(self, size: int | None = -1) -> bytes:
        return super().read(size) if self.tell() < STDIN_CHUNK_BYTES else b""


def drain(supervisor: socket.socket) -> None:
    while supervisor.recv(1 << 16):
        pass


def test_a_file_that_ends_short_breaks_the_channel(stream) -> None:
    channel, supervisor = stream
    threading.Thread(target=drain, args=(supervisor,), daemon=True).start()

    with pytest.raises(SupervisorGone, match="input ended 5 bytes short"):
        channel.run(["cat"], cwd="/", env={}, timeout=5,
                    stdin=Shrunk(bytes(STDIN_CHUNK_BYTES + 5)), sink=lambda name, chunk: None)
    with pytest.raises(SupervisorGone, match="bytes short"):  # the supervisor waits for them
        channel.run(["true"], cwd="/", env={}, timeout=5, sink=lambda name, chunk: None)


@pytest.mark.docker
@pytest.mark.timeout(120)
def test_a_file_larger_than_a_chunk_reaches_the_command_byte_for_byte(box: Sandbox) -> None:
    data = random.Random(8).randbytes(5 * STDIN_CHUNK_BYTES + 123)
    out = bytearray()
    with tempfile.TemporaryFile() as spool:
        spool.write(data)
        spool.seek(0)
        outcome = box._supervisor.run(["sha256sum"], cwd="/tmp", env=container.BASE_ENV,
                                      timeout=60, stdin=spool,
                                      sink=lambda name, chunk: out.extend(chunk))
    assert outcome.exit_code == 0, out
    assert out.split()[0].decode() == hashlib.sha256(data).hexdigest()
