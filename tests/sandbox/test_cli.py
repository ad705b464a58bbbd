"""``python -m sandbox exec`` as an operator runs it: exit codes, streaming, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from emulators.localhost import wait_until
from tests.sandbox.conftest import leftovers

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]


def sandbox_cli(*args: str) -> subprocess.Popen[bytes]:
    # Kiln's GitHub settings are deliberately absent: the CLI runs on sandbox defaults.
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sandbox", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert True\n")
    (tmp_path / "tool.sh").write_text("#!/bin/sh\necho tool ran\n")
    (tmp_path / "tool.sh").chmod(0o755)
    return tmp_path


@pytest.mark.parametrize(
    ("options", "cmd", "code", "stderr_says"),
    [
        ([], ["sh", "-c", "./tool.sh && pytest -q && exit 3"], 3, ""),
        (["--timeout", "2"], ["sleep", "60"], 124, "timeout"),
        (["--memory", "64m"], ["python3", "-c", "b = bytearray(512 * 1024 * 1024)"], 137, "memory"),
    ],
)
def test_exit_codes(
    docker_client: docker.DockerClient,
    project: Path,
    options: list[str],
    cmd: list[str],
    code: int,
    stderr_says: str,
) -> None:
    proc = sandbox_cli("exec", *options, str(project), "--", *cmd)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert stderr_says in err.decode()
    if code == 3:
        assert out.decode().startswith("tool ran\n") and "1 passed" in out.decode()
    assert leftovers(docker_client, {"kiln.cli": str(proc.pid)}) == []


def test_interrupt_leaves_nothing_behind(docker_client: docker.DockerClient, project: Path) -> None:
    proc = sandbox_cli("exec", str(project), "--", "sh", "-c", "echo up; sleep 60")
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"up\n"
    assert leftovers(docker_client, {"kiln.cli": str(proc.pid)}) != []
    proc.send_signal(signal.SIGINT)
    proc.wait(60)
    assert proc.returncode == 130
    wait_until(lambda: not leftovers(docker_client, {"kiln.cli": str(proc.pid)}), 10,
               "the interrupted CLI's sandbox to be removed", interval=0.2)


def test_build_images_skips_images_that_exist(docker_client: docker.DockerClient) -> None:
    proc = sandbox_cli("build-images")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.decode().splitlines() == [
        "kiln-sandbox-python:bookworm: present",
        "kiln-sandbox-node:bookworm: present",
        "kiln-egress-proxy:bookworm: present",
    ]
