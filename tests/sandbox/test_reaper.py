"""Orphaned sandboxes are removed: after a killed owner, and on cancel."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import docker
import pytest

from sandbox import Sandbox, SandboxConfig, reap_orphans, remove_by_label
from tests.sandbox.conftest import leftovers

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]

OWNER = textwrap.dedent("""\
    import sys, time, docker
    from kiln.settings import Settings
    from sandbox import Sandbox, SandboxConfig
    config = SandboxConfig.from_settings(Settings.model_construct())
    labels = {"kiln.job": sys.argv[1]}
    box = Sandbox.start(docker.from_env(), config.image_for("python"), config, labels)
    box.put_files({"a.txt": b"a"})
    print("ready", flush=True)
    time.sleep(600)
""")


def test_reaper_removes_what_a_killed_owner_left(
    docker_client: docker.DockerClient, job_label: dict[str, str]
) -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, job_label["kiln.job"]], cwd=ROOT, stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert owner.stdout is not None
    assert owner.stdout.readline() == b"ready\n"
    owner.send_signal(signal.SIGKILL)
    owner.wait(10)
    assert len(leftovers(docker_client, job_label)) == 2
    assert reap_orphans(docker_client, older_than=3600, labels=job_label) == []
    removed = reap_orphans(docker_client, older_than=0, labels=job_label)
    assert len(removed) == 2
    assert leftovers(docker_client, job_label) == []


def test_remove_by_label_ends_a_live_sandbox(
    docker_client: docker.DockerClient, config: SandboxConfig, job_label: dict[str, str]
) -> None:
    box = Sandbox.start(docker_client, config.image_for("python"), config, job_label)
    label = f"kiln.job={job_label['kiln.job']}"
    [running] = docker_client.containers.list(filters={"label": label})
    [volume] = docker_client.volumes.list(filters={"label": label})
    removed = remove_by_label(docker_client, "kiln.job", job_label["kiln.job"])
    assert sorted(removed) == sorted([running.name, volume.name])  # named as Docker names them
    assert leftovers(docker_client, job_label) == []
    box.stop()
