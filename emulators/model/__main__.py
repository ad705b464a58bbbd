"""Command line: python -m emulators.model --script FILE [--port P] [--host H] [--no-usage]."""

from __future__ import annotations

import argparse
import contextlib
import threading

from emulators.model.server import ScriptedModel


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulators.model",
                                     description="Serve a scripted OpenAI-compatible model.")
    parser.add_argument("--script", required=True, help="JSON file: a list of turns")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--no-usage", action="store_true",
                        help="answer without token usage, as some compatible servers do")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    model = ScriptedModel.from_file(args.script, send_usage=not args.no_usage)
    with model.serve(args.host, args.port) as base_url:
        print(base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    for failure in model.failures:
        print(f"failure: {failure}", flush=True)


if __name__ == "__main__":
    main()
