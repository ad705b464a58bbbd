"""The sandbox's supervisor: runs inside the container and starts every command there.

A ``docker exec`` costs 55-60 ms in runc on this engine, most of a test iteration's
overhead. Instead the container's main process is this program, fed requests on its
standard input (Docker's attach stream) and answering in frames on its standard output,
which costs a fork and a pipe.

It runs as root holding only CAP_SETUID, CAP_SETGID and CAP_KILL, and starts each command
as the sandbox user (1000) with no capabilities at all. The sandbox user cannot signal it,
trace it or open its descriptors, so code under test can neither stop it nor write a frame
of its own: its output reaches the host only framed, by length, by this program.

Standard library only, and self-contained: the container runs this file's source with
``python3 -I -S -c``. Nothing here may import from Kiln.

A request is one JSON line ``{"argv", "cwd", "env", "timeout", "stdin"}`` followed by
``stdin`` bytes for the command. The answer is frames of a one-byte tag, a four-byte
big-endian length and the payload: ``o`` standard output, ``e`` standard error, then one
``x`` with JSON ``{"exit", "timed_out", "oom_kills"}``.

Input of at most ``CHUNK`` bytes is read whole before the command starts. Larger input
(a whole repository's tar) is passed on to the command a chunk at a time as it arrives, so
this program never holds more than a chunk of it; the host sends such input while it reads
the answer, so a command that writes much before it reads cannot stall both ends. Whatever
the command leaves unread is read and dropped before the ``x`` frame, so the next request
starts where it should.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import struct
import subprocess
import sys
import time
from typing import Any, BinaryIO

SANDBOX_UID = 1000
SANDBOX_GID = 1000
CHUNK = 65536
TIMEOUT_EXIT = 124
NOT_FOUND_EXIT = 127
NOT_EXECUTABLE_EXIT = 126
OOM_FILES = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")
# The sweep after a command gives up on processes that will not die after this long.
SWEEP_SECONDS = 5.0


def frame(tag: bytes, payload: bytes) -> bytes:
    return tag + struct.pack(">I", len(payload)) + payload


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def oom_kills() -> int:
    """The memory cgroup's count of processes the kernel killed for memory (v2, then v1)."""
    for path in OOM_FILES:
        try:
            with open(path) as counters:
                for line in counters:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except OSError:
            continue
    return 0


def become_sandbox_user() -> None:
    # Runs in the child between fork and exec. Memory hogs are the kernel's first choice,
    # never this supervisor; raising one's own score needs no privilege.
    with open("/proc/self/oom_score_adj", "w") as adj:
        adj.write("1000")
    os.setgroups([])
    os.setgid(SANDBOX_GID)
    os.setuid(SANDBOX_UID)


def others_alive() -> bool:
    """Whether any process but init, this one and zombies is left in the container."""
    mine = {1, os.getpid()}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in mine:
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                state = stat.read().rpartition(b")")[2].split()[0]
        except (OSError, IndexError):
            continue
        if state != b"Z":
            return True
    return False


def sweep() -> None:
    """Kill every process of the sandbox user: the command's tree and whatever escaped it."""
    deadline = time.monotonic() + SWEEP_SECONDS
    while time.monotonic() < deadline:
        try:
            # -1 reaches every process this one may signal, except init and itself.
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return
        if not others_alive():
            return
        time.sleep(0.001)


def start(request: dict[str, Any]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        request["argv"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=request["cwd"], env=request["env"], preexec_fn=become_sandbox_user,
        start_new_session=True,
    )


class Pump:
    """Moves bytes between the command's pipes and the host until it ends or times out."""

    def __init__(self, proc: subprocess.Popen[bytes], stdin: Body, out_fd: int):
        self.proc = proc
        self.out_fd = out_fd
        self.stdin = stdin
        self.pending = memoryview(b"")  # taken from the host, not yet written to the command
        self.selector = selectors.DefaultSelector()
        self.exited = False
        assert proc.stdin and proc.stdout and proc.stderr
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            os.set_blocking(pipe.fileno(), False)
        self.selector.register(proc.stdout, selectors.EVENT_READ, b"o")
        self.selector.register(proc.stderr, selectors.EVENT_READ, b"e")
        self.pidfd = os.pidfd_open(proc.pid)
        self.selector.register(self.pidfd, selectors.EVENT_READ, b"exit")
        if not stdin.done:
            self.selector.register(proc.stdin, selectors.EVENT_WRITE, b"in")
        else:
            proc.stdin.close()

    def run(self, timeout: float) -> bool:
        """Pump until every output pipe is closed; True when the timeout fired."""
        deadline = time.monotonic() + timeout
        timed_out = False
        while len(self.selector.get_map()) > 0:
            left = deadline - time.monotonic()
            if left <= 0 and not timed_out:
                timed_out = True
                sweep()
            for key, _ in self.selector.select(None if timed_out else max(left, 0)):
                self.handle(key)
        self.selector.close()
        os.close(self.pidfd)
        return timed_out

    def handle(self, key: selectors.SelectorKey) -> None:
        if key.data == b"exit":
            # The command is done: whatever it left running goes, so its pipes close.
            self.selector.unregister(key.fileobj)
            sweep()
        elif key.data == b"in":
            self.feed(key)
        else:
            try:
                chunk = os.read(key.fd, CHUNK)
            except BlockingIOError:
                return
            if chunk:
                write_all(self.out_fd, frame(key.data, chunk))
            else:
                self.selector.unregister(key.fileobj)

    def feed(self, key: selectors.SelectorKey) -> None:
        assert self.proc.stdin is not None
        if not self.pending:
            self.pending = memoryview(self.stdin.next())
        try:
            self.pending = self.pending[os.write(key.fd, self.pending):]
        except BlockingIOError:
            return
        except BrokenPipeError:  # the command stopped reading: serve() drops the rest
            self.pending = self.pending[:0]
            self.stdin.abandon()
        if not self.pending and self.stdin.done:
            self.selector.unregister(key.fileobj)
            self.proc.stdin.close()


def run(request: dict[str, Any], stdin: Body, out_fd: int) -> dict[str, Any]:
    """Run one request; what the ``x`` frame reports."""
    before = oom_kills()
    try:
        proc = start(request)
    except (FileNotFoundError, NotADirectoryError) as exc:
        return failed(out_fd, NOT_FOUND_EXIT, f"kiln-sandbox: {exc}")
    except (OSError, subprocess.SubprocessError) as exc:
        return failed(out_fd, NOT_EXECUTABLE_EXIT, f"kiln-sandbox: {exc}")
    timed_out = Pump(proc, stdin, out_fd).run(float(request["timeout"]))
    code = proc.wait()
    exit_code = TIMEOUT_EXIT if timed_out else (128 - code if code < 0 else code)
    return {"exit": exit_code, "timed_out": timed_out, "oom_kills": oom_kills() - before}


def failed(out_fd: int, code: int, message: str) -> dict[str, Any]:
    write_all(out_fd, frame(b"e", message.encode() + b"\n"))
    return {"exit": code, "timed_out": False, "oom_kills": 0}


class Body:
    """A request's ``size`` bytes of input for its command, taken from the request stream."""

    def __init__(self, requests: BinaryIO, size: int):
        self.requests = requests
        self.left = size  # still in the request stream
        self.head = b""  # read ahead, not yet given out
        self.abandoned = False  # the command stopped reading
        if 0 < size <= CHUNK:  # the host sent it in one write and is waiting for the answer
            self.head = requests.read(size)
            if len(self.head) != size:
                raise EOFError("the host went away mid-request")
            self.left = 0

    @property
    def done(self) -> bool:
        """Whether the command is to get no more of it."""
        return self.abandoned or not (self.head or self.left)

    def next(self) -> bytes:
        """The next piece, at most a chunk: what the stream has buffered, else one read
        (which waits for the host, busy sending it)."""
        if self.head:
            piece, self.head = self.head, b""
            return piece
        piece = self.requests.read1(min(CHUNK, self.left))  # type: ignore[attr-defined]
        if not piece:
            raise EOFError("the host went away mid-request")
        self.left -= len(piece)
        return piece

    def abandon(self) -> None:
        self.abandoned = True

    def drain(self) -> None:
        """Read and drop what the command left unread: the next request follows it."""
        self.head = b""
        while self.left:
            self.next()


def serve(requests: BinaryIO, out_fd: int) -> None:
    """Answer requests until the host closes the stream."""
    while line := requests.readline():
        request = json.loads(line)
        stdin = Body(requests, int(request["stdin"]))
        outcome = run(request, stdin, out_fd)
        stdin.drain()
        write_all(out_fd, frame(b"x", json.dumps(outcome).encode()))


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.fileno())
