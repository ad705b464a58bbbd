"""The supervisor inside each sandbox: what sandboxed code can and cannot do to it."""

from __future__ import annotations

import hashlib
import random
import tempfile
from typing import BinaryIO

import docker
import pytest

from sandbox import Sandbox, container
from sandbox.channel import STDIN_CHUNK_BYTES, SupervisorGone

pytestmark = pytest.mark.docker


def test_commands_cannot_signal_trace_or_write_to_the_supervisor(box: Sandbox) -> None:
    # The shell's parent is the supervisor.
    attempts = {
        "kill": "kill -9 $PPID",
        "descriptors": "ls /proc/$PPID/fd",
        "write": "echo forged > /proc/$PPID/fd/1",
        "init": "kill -9 1",
    }
    for name, attempt in attempts.items():
        result = box.exec(attempt)
        assert result.exit_code != 0, name
        assert "not permitted" in result.stderr or "denied" in result.stderr, name
    box.exec("kill -9 -1")  # reaches only the sandbox user's own processes
    assert box.exec("echo alive").stdout == "alive\n"


def test_output_that_looks_like_a_frame_is_only_output(box: Sandbox) -> None:
    forged = b'x\x00\x00\x00\x0b{"exit": 0}'
    result = box.exec(["python3", "-c", f"import sys; sys.stdout.buffer.write({forged!r}); "
                                         "sys.exit(3)"])

    assert result.exit_code == 3
    assert result.stdout.encode() == forged


def test_a_missing_command_is_127_with_a_reason(box: Sandbox) -> None:
    result = box.exec(["no-such-command", "--flag"])

    assert result.exit_code == 127
    assert "no-such-command" in result.stderr


def test_files_the_workspace_cannot_hold_fail_the_next_command(box: Sandbox) -> None:
    box.put_files({"big.bin": b"\0" * (40 * 1024 * 1024)})  # the workspace holds 32m

    result = box.exec("echo never")

    assert result.exit_code == 125
    assert "could not write the files" in result.stderr
    assert result.stdout == ""
    assert box.exec("echo usable").stdout == "usable\n"


def test_a_dead_container_is_reported_not_waited_for(
    box: Sandbox, docker_client: docker.DockerClient, job_label: dict[str, str]
) -> None:
    (running,) = docker_client.containers.list(filters={"label": [
        f"{key}={value}" for key, value in job_label.items()]})
    running.kill()

    with pytest.raises(SupervisorGone):
        box.exec("echo hello")


def test_a_command_abandoned_mid_stream_is_never_misread(box: Sandbox) -> None:
    class Stop(Exception):
        pass

    def stop(name: str, chunk: bytes) -> None:
        raise Stop

    with pytest.raises(Stop):
        box.exec("echo first; sleep 1; echo second", on_output=stop)

    with pytest.raises(SupervisorGone, match="abandoned"):
        box.exec("echo next")


def feed(box: Sandbox, argv: list[str], stdin: bytes | BinaryIO) -> tuple[int, bytes]:
    """Run ``argv`` on the box's supervisor with ``stdin``; its exit code and output."""
    out = bytearray()
    outcome = box._supervisor.run(argv, cwd="/tmp", env=container.BASE_ENV, timeout=60,
                                  stdin=stdin, sink=lambda name, chunk: out.extend(chunk))
    return outcome.exit_code, bytes(out)


@pytest.mark.parametrize("size", [1000, 5 * STDIN_CHUNK_BYTES + 7])
def test_input_the_command_leaves_unread_is_dropped_not_misread(box: Sandbox, size: int) -> None:
    data = random.Random(3).randbytes(size)

    assert feed(box, ["head", "-c", "10"], data) == (0, data[:10])
    assert feed(box, ["no-such-command"], data)[0] == 127
    assert feed(box, ["echo", "next"], b"") == (0, b"next\n")


@pytest.mark.timeout(120)
def test_a_command_echoing_large_input_as_it_reads_does_not_stall(box: Sandbox) -> None:
    data = random.Random(4).randbytes(8 * STDIN_CHUNK_BYTES + 3)  # far beyond any buffer

    code, out = feed(box, ["cat"], data)

    assert code == 0
    assert hashlib.sha256(out).hexdigest() == hashlib.sha256(data).hexdigest()


@pytest.mark.timeout(120)
def test_large_input_streams_through_the_supervisor_without_being_held(box: Sandbox) -> None:
    size = 200 * 1024 * 1024  # more than the box's 128m of memory
    with tempfile.TemporaryFile() as spool:
        spool.truncate(size)  # sparse: zeros, without writing them
        assert feed(box, ["wc", "-c"], spool) == (0, f"{size}\n".encode())

    # The command's parent is the supervisor: its peak resident memory stayed small.
    code, status = feed(box, ["sh", "-c", "grep VmHWM /proc/$PPID/status"], b"")
    assert code == 0, status
    assert int(status.split()[1]) < 30 * 1024, status  # in kB
