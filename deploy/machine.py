"""This machine's own settings, read at run time: pip's package index and CA bundle.

Nothing here names a host: the values come from pip's configuration files and environment.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# pip settings a build may need, as the environment variables pip reads them from.
INDEX_SETTINGS = {"index-url": "PIP_INDEX_URL", "extra-index-url": "PIP_EXTRA_INDEX_URL"}
HOST_SETTINGS = {"trusted-host": "PIP_TRUSTED_HOST"}
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
SECTION_RANKS = {":env:": 3, "install": 2, "global": 1}


def parse_pip_config(text: str) -> dict[str, str]:
    """`pip config list` output (`section.key='value'`, the files already merged) as
    {key: value} for `pip install`: the environment (`:env:`) wins over the `install`
    section, which wins over `global`; other commands' sections are left out."""
    found: dict[str, tuple[int, str]] = {}
    for line in text.splitlines():
        name, sep, quoted = line.partition("=")
        section, _, key = name.rpartition(".")
        rank = SECTION_RANKS.get(section)
        if not sep or rank is None:
            continue
        if key not in found or rank > found[key][0]:
            found[key] = (rank, quoted.strip().strip("'\""))
    return {key: value for key, (_, value) in found.items()}


def pip_config() -> dict[str, str]:
    """This machine's pip settings, as the pip running this code sees them."""
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], check=True,
                            capture_output=True, text=True).stdout
    return parse_pip_config(listed)


def index_build_args(config: dict[str, str], environ: dict[str, str]) -> dict[str, str]:
    """Build arguments giving a Docker build the package index this machine's pip uses:
    HTTP(S) indexes only (a local `file:` index is not reachable from a build), and the
    proxy variables Docker passes to builds when they are set here."""
    args: dict[str, str] = {}
    for key, variable in INDEX_SETTINGS.items():
        urls = [u for u in config.get(key, "").split() if u.startswith(("http://", "https://"))]
        if urls:
            args[variable] = " ".join(urls)
    for key, variable in HOST_SETTINGS.items():
        if config.get(key):
            args[variable] = config[key]
    for variable in PROXY_VARIABLES:
        value = environ.get(variable) or environ.get(variable.lower())
        if value:
            args[variable] = value
    return args


def ca_bundle(config: dict[str, str], environ: dict[str, str]) -> Path | None:
    """The CA bundle this machine trusts for package downloads: pip's `cert`, else the
    environment's SSL_CERT_FILE or REQUESTS_CA_BUNDLE, else the system bundle."""
    for value in (config.get("cert"), environ.get("SSL_CERT_FILE"),
                  environ.get("REQUESTS_CA_BUNDLE"), str(SYSTEM_CA_BUNDLE)):
        if value and Path(value).is_file():
            return Path(value)
    return None
