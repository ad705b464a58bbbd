"""How fast the GitHub emulator starts, stops and answers githubkit; prints its figures.

Run: ``.venv/bin/python -m bench.github_emulator`` from the repository root.
"""

from __future__ import annotations

import statistics
import time

from githubkit import AppInstallationAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy

from emulators.github import GitHubEmulator

CYCLES = 5
REQUESTS = 300


def start_stop_seconds() -> tuple[float, float]:
    """Median seconds to serve() and to shut down again."""
    starts, stops = [], []
    emu = GitHubEmulator()
    for _ in range(CYCLES):
        began = time.perf_counter()
        with emu.serve():
            started = time.perf_counter()
        starts.append(started - began)
        stops.append(time.perf_counter() - started)
    return statistics.median(starts), statistics.median(stops)


def requests_per_second() -> float:
    """Authenticated ``GET /repos/{o}/{r}`` calls a second through one reused githubkit client."""
    emu = GitHubEmulator()
    app = emu.create_app()
    emu.create_repo("alice", "proj", files={"README.md": "# proj\n"})
    installation = emu.install(app, "alice")
    with emu.serve() as url:
        strategy = AppInstallationAuthStrategy(app.id, app.private_key_pem, installation)
        client = GitHub(strategy, base_url=url, http_cache=False, timeout=10,
                        cache_strategy=MemCacheStrategy())  # fmt: skip
        with client:
            client.rest.repos.get("alice", "proj")
            began = time.perf_counter()
            for _ in range(REQUESTS):
                assert client.rest.repos.get("alice", "proj").parsed_data.name == "proj"
            return REQUESTS / (time.perf_counter() - began)


def main() -> None:
    start, stop = start_stop_seconds()
    print(f"serve() start-up: {start * 1000:.0f} ms median of {CYCLES}")
    print(f"shutdown:         {stop * 1000:.0f} ms median of {CYCLES}")
    print(f"repos.get:        {requests_per_second():.0f} requests/s (githubkit, parsed)")


if __name__ == "__main__":
    main()
