"""Sandbox speed: cold start, one warm test iteration against the host, and the naive way.

Run: ``.venv/bin/python -m bench.sandbox [--rounds N]`` (needs Docker and the Python base image).
Every goal is a bound or a ratio of figures measured in the same run, printed beside them: the
sandbox's overhead per iteration under 100 ms, and the naive way's overhead at least 10 times it.
"""

from __future__ import annotations

import argparse
import io
import itertools
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import docker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiln.settings import Settings
from sandbox import Sandbox, SandboxConfig

# Plugins installed on the host (and none in the image) would skew the comparison.
PYTEST = ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
SANDBOX_PYTEST = ["env", *(f"{k}={v}" for k, v in PYTEST_ENV.items()), *PYTEST]
PROJECT = {
    "calc/__init__.py": b"",
    "calc/ops.py": b"def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n",
    "tests/test_ops.py": b"from calc.ops import add, mul\n\n\n"
    b"def test_add():\n    assert add(2, 3) == 5\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n",
}
EDIT_PATH = "calc/ops.py"
OVERHEAD_BOUND = 0.100
"""Seconds the sandbox may add to an iteration (files in, one command through its supervisor)."""
NAIVE_RATIO = 10.0
"""How many times the naive way's overhead (image build, fresh container) the sandbox must beat."""
ITERATION = itertools.count()
NAIVE_DOCKERFILE = "FROM {image}\nCOPY . /workspace\nWORKDIR /workspace\n"


def edit() -> dict[str, bytes]:
    """The model's next change: new each time, so no layer or file cache can answer it."""
    return {EDIT_PATH: PROJECT[EDIT_PATH] + f"\n\nITERATION = {next(ITERATION)}\n".encode()}


def timed(action: Callable[[], object], rounds: int) -> float:
    """Median seconds of ``rounds`` calls."""
    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        action()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def cold_start(client: docker.DockerClient, image: str, config: SandboxConfig) -> None:
    with Sandbox.start(client, image, config) as box:
        box.exec("true")


def host_iteration(workdir: Path) -> None:
    for path, data in edit().items():
        (workdir / path).write_bytes(data)
    host_pytest = [sys.executable, *PYTEST[1:]]
    subprocess.run(host_pytest, cwd=workdir, env=PYTEST_ENV, check=True, capture_output=True)


def naive_iteration(client: docker.DockerClient, image: str) -> None:
    """What simple bots do: bake the files into an image, run a fresh container."""
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        files = {**PROJECT, **edit(),
                 "Dockerfile": NAIVE_DOCKERFILE.format(image=image).encode()}
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    context.seek(0)
    built, _logs = client.images.build(fileobj=context, custom_context=True, rm=True)
    try:
        client.containers.run(str(built.id), PYTEST, environment=PYTEST_ENV, network_mode="none",
                              remove=True)
    finally:
        client.images.remove(str(built.id), force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    client = docker.from_env()
    config = SandboxConfig.from_settings(Settings.model_construct())
    image = config.image_for("python")

    cold = timed(lambda: cold_start(client, image, config), max(rounds // 2, 1))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for path, data in PROJECT.items():
            (workdir / path).parent.mkdir(parents=True, exist_ok=True)
            (workdir / path).write_bytes(data)
        host = timed(lambda: host_iteration(workdir), rounds)
    with Sandbox.start(client, image, config) as box:
        box.put_files(PROJECT)

        def warm_iteration() -> None:
            box.put_files(edit())
            assert box.exec(SANDBOX_PYTEST, timeout=60).ok

        warm = timed(warm_iteration, rounds)
        noop = timed(lambda: box.exec("true"), rounds)

        def put_and_noop() -> None:
            box.put_files(edit())
            box.exec("true")

        put = timed(put_and_noop, rounds)
    naive = timed(lambda: naive_iteration(client, image), max(rounds // 2, 1))

    # The image's pytest and the host's are different installs, so "warm - host" can flatter;
    # the sandbox's own cost per iteration is what put_files and an empty exec take.
    cost = put
    in_box_pytest = warm - put
    rows = [
        ("cold start to first command", cold),
        ("host: edit + pytest", host),
        ("sandbox warm: put_files + pytest", warm),
        ("sandbox warm minus host", warm - host),
        ("sandbox cost: put_files + empty exec", cost),
        ("  of which an empty exec", noop),
        ("naive: build image + fresh container", naive),
        ("naive minus the same pytest run", naive - in_box_pytest),
    ]
    for name, seconds in rows:
        print(f"{name:<40} {seconds * 1000:8.0f} ms")
    # Every goal is a bound or a ratio of figures measured above, in this run. The sandbox's
    # overhead is the larger of its own cost and "warm - host", so neither can flatter it.
    overhead = max(cost, warm - host)
    ratio = (naive - in_box_pytest) / overhead
    print(f"{'naive / warm, whole iteration':<40} {naive / warm:8.1f} x")
    print(f"{'naive / warm, overhead only':<40} {ratio:8.1f} x")
    goals = [
        (f"sandbox overhead per iteration {overhead * 1000:.0f} ms",
         f"< {OVERHEAD_BOUND * 1000:.0f} ms", overhead < OVERHEAD_BOUND),
        (f"naive overhead / sandbox overhead {ratio:.1f}x", f">= {NAIVE_RATIO:.0f}x",
         ratio >= NAIVE_RATIO),
    ]
    for figure, goal, ok in goals:
        print(f"goal: {figure}, goal {goal}: {'PASS' if ok else 'MISS'}")


if __name__ == "__main__":
    main()
