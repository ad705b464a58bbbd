"""``python -m sandbox``: build the base images, or run a command over a directory in a sandbox."""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
from pathlib import Path
from types import FrameType

import docker

from kiln.settings import Settings, SettingsError, load_settings
from sandbox.archive import FileContent
from sandbox.box import Sandbox
from sandbox.config import SandboxConfig
from sandbox.images import build_images
from sandbox.listing import EXCLUDED_DIRS
from sandbox.proxy_image import ensure_proxy_image

INTERRUPTED_EXIT_CODE = 130


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build-images", help="build the missing base images")
    build.add_argument("--force", action="store_true", help="rebuild images that exist")
    build.add_argument("--only", choices=["python", "node"], help="one language only")
    build.add_argument("--pull", action="store_true", help="pull the images from their registry")
    run = commands.add_parser("exec", help="run CMD over a copy of DIR in a sandbox")
    run.add_argument("--timeout", type=float, help="seconds before the command is killed")
    run.add_argument("--memory", help="memory limit, swap included, e.g. 512m")
    run.add_argument("--image", help="image to run in (default: the Python base image)")
    run.add_argument("dir", type=Path)
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="-- CMD [ARG...]")
    return top


def load_config() -> SandboxConfig:
    """The configured limits; the defaults when Kiln's other settings are not set on this shell."""
    settings: Settings
    try:
        # The sandbox settings do not need an App: images are built before one is created.
        settings = load_settings(app_required=False)
    except SettingsError:
        settings = Settings.model_construct()
    return SandboxConfig.from_settings(settings)


def read_tree(root: Path) -> dict[str, FileContent]:
    """Every file under ``root`` (caches and ``.git`` skipped), executables keeping their bit."""
    files: dict[str, FileContent] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in EXCLUDED_DIRS]
        for name in names:
            path = Path(folder, name)
            if path.is_file():
                data = path.read_bytes()
                relative = path.relative_to(root).as_posix()
                files[relative] = (data, 0o755) if os.access(path, os.X_OK) else data
    return files


def run_exec(args: argparse.Namespace, client: docker.DockerClient) -> int:
    config = load_config()
    config = dataclasses.replace(
        config,
        exec_timeout=args.timeout or config.exec_timeout,
        memory=args.memory or config.memory,
    )
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        raise SystemExit("python -m sandbox exec: give a command after --")
    files = read_tree(args.dir)
    with Sandbox.start(client, args.image or config.image_for("python"), config,
                       labels={"kiln.cli": str(os.getpid())}) as box:
        box.put_files(files)
        result = box.exec(cmd, on_output=stream)
    if result.timed_out:
        print(f"sandbox: killed after the {config.exec_timeout:g} s timeout", file=sys.stderr)
    if result.oom_killed:
        print(f"sandbox: killed for using more than {config.memory} of memory", file=sys.stderr)
    return result.exit_code


def stream(name: str, chunk: bytes) -> None:
    out = sys.stdout.buffer if name == "stdout" else sys.stderr.buffer
    out.write(chunk)
    out.flush()


def run_build(args: argparse.Namespace, client: docker.DockerClient) -> int:
    images = load_config().images
    if args.only:
        images = {args.only: images[args.only]}
    build_images(client, images, lambda line: print(line, flush=True), force=args.force,
                 pull=args.pull)
    if "python" in images:  # the install step's egress proxy is built on the Python image
        print(f"{ensure_proxy_image(client, images['python'])}: present", flush=True)
    return 0


def interrupt(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, so the sandbox is removed on the way out."""
    raise KeyboardInterrupt(signum)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    client = docker.from_env()
    try:
        return run_exec(args, client) if args.command == "exec" else run_build(args, client)
    except KeyboardInterrupt:
        return INTERRUPTED_EXIT_CODE
    finally:
        client.close()
