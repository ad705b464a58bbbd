"""The sandbox's lock-down, against a real Docker engine."""

from __future__ import annotations

import docker
import pytest

from sandbox import Sandbox, SandboxConfig

pytestmark = pytest.mark.docker


def test_runs_as_the_unprivileged_sandbox_user(box: Sandbox) -> None:
    result = box.exec("id -u; id -g; grep CapEff /proc/self/status")
    uid, gid, caps = result.stdout.splitlines()
    assert (uid, gid) == ("1000", "1000")
    assert caps.split()[1] == "0000000000000000"


def test_has_no_network(box: Sandbox) -> None:
    # No packet leaves: without an interface the kernel refuses before sending anything.
    probe = "import socket; socket.create_connection(('10.255.255.1', 80), timeout=3)"
    result = box.exec(["python3", "-c", probe])
    assert result.exit_code != 0
    assert "Network is unreachable" in result.stderr
    assert box.exec("ls /sys/class/net").stdout.split() == ["lo"]


def test_writes_outside_workspace_and_tmp_fail(box: Sandbox) -> None:
    for target in ("/etc/kiln", "/usr/kiln", "/kiln", "/opt/kiln", "/home/kiln"):
        result = box.exec(["touch", target])
        assert result.exit_code != 0, target
        assert "Read-only file system" in result.stderr or "Permission denied" in result.stderr
    assert box.exec("touch /tmp/ok /workspace/ok && echo done").stdout == "done\n"


def test_host_environment_is_absent(
    monkeypatch: pytest.MonkeyPatch, docker_client: docker.DockerClient, config: SandboxConfig
) -> None:
    monkeypatch.setenv("KILN_FAKE_SECRET", "hunter2-secret")
    with Sandbox.start(docker_client, config.image_for("python"), config) as fresh:
        env = fresh.exec("env").stdout
    assert "hunter2-secret" not in env
    assert "KILN_FAKE_SECRET" not in env
    assert "OPENAI_API_KEY" not in env and "GITHUB" not in env


def test_sleep_past_timeout_is_killed_with_its_children(box: Sandbox) -> None:
    result = box.exec("sleep 301 & setsid sleep 302 & sleep 303", timeout=2)
    assert result.timed_out and not result.oom_killed
    assert result.exit_code == 124
    assert 2 <= result.duration < 30
    survivors = box.exec("cat /proc/[0-9]*/cmdline | tr '\\0' ' '").stdout
    assert "sleep 30" not in survivors


def test_background_processes_do_not_outlive_their_command(box: Sandbox) -> None:
    result = box.exec("sleep 304 >/dev/null 2>&1 & echo started")
    assert result.ok and not result.timed_out
    assert "sleep 304" not in box.exec("cat /proc/[0-9]*/cmdline | tr '\\0' ' '").stdout


def test_memory_hog_is_killed_and_reported(box: Sandbox) -> None:
    hog = "chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))\n"
    result = box.exec(["python3", "-c", hog], timeout=60)
    assert result.oom_killed and not result.timed_out
    assert result.exit_code == 137
    assert box.exec("echo alive").stdout == "alive\n"


def test_fork_bomb_is_contained_and_sandbox_stays_usable(box: Sandbox) -> None:
    bomb = box.exec("bomb() { bomb | bomb & }; bomb; sleep 5", timeout=20)
    assert bomb.duration < 60
    after = box.exec("echo alive; ls -d /proc/[0-9]* | wc -l")
    alive, processes = after.stdout.split()
    assert alive == "alive"
    assert int(processes) < 10


def test_output_over_the_cap_keeps_head_and_tail(box: Sandbox, config: SandboxConfig) -> None:
    total = 50_000
    script = f"import sys; sys.stdout.write('HEAD' + 'x' * {total - 8} + 'TAIL')"
    result = box.exec(["python3", "-c", script])
    cut = total - config.output_cap
    assert result.stdout.startswith("HEADxxx")
    assert result.stdout.endswith("xxxTAIL")
    assert f"[... {cut} bytes cut by the sandbox output cap ...]" in result.stdout
    assert len(result.stdout) < config.output_cap + 100


def test_exit_code_and_streams_are_reported(box: Sandbox) -> None:
    seen: list[tuple[str, bytes]] = []
    result = box.exec("echo out; echo err >&2; exit 3", on_output=lambda n, c: seen.append((n, c)))
    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert b"".join(c for n, c in seen if n == "stdout") == b"out\n"
    assert not result.timed_out and not result.oom_killed


def test_node_image_runs_node_locked_down(
    docker_client: docker.DockerClient, config: SandboxConfig
) -> None:
    with Sandbox.start(docker_client, config.image_for("node"), config) as node_box:
        node_box.put_files({"index.js": b"console.log(process.getuid(), 6 * 7)\n"})
        result = node_box.exec("node index.js")
    assert (result.exit_code, result.stdout) == (0, "1000 42\n")
