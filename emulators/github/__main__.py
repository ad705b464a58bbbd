"""``python -m emulators.github``: serve the emulator for the local demo until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import json
import tempfile
import threading
from pathlib import Path

from emulators.github.emulator import GitHubEmulator
from emulators.github.seed import apply_seed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulators.github", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--webhook-url", default=None, help="where to send webhook deliveries")
    parser.add_argument("--seed", type=Path, default=None, help="JSON seed file")
    parser.add_argument(
        "--key-file",
        type=Path,
        default=None,
        help="where to write the app's private key (default: a temp file)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    seed = json.loads(args.seed.read_text()) if args.seed else {}
    emu = GitHubEmulator()
    seeded = apply_seed(emu, seed, args.webhook_url)
    key_file = args.key_file or Path(tempfile.mkdtemp(prefix="kiln-emulator-")) / "app.pem"
    key_file.write_text(seeded.app.private_key_pem)
    key_file.chmod(0o600)
    with emu, emu.serve(args.port) as url:
        print(
            json.dumps(
                {
                    "api_url": url,
                    "app_id": seeded.app.id,
                    "private_key_path": str(key_file),
                    "webhook_secret": seeded.app.webhook_secret,
                    "installations": seeded.installation_ids,
                }
            ),
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
