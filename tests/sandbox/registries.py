"""The package registries this machine is set up for, read from pip's and npm's own config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pip._internal.models.index import PyPI


@dataclass(frozen=True)
class PipSetup:
    """Where pip installs from (the index and the host its files come from) and the CA
    bundle it trusts (this machine's network may re-sign TLS)."""

    index_url: str
    hosts: tuple[str, ...]
    ca_bundle: Path | None


def pip_config() -> dict[str, str]:
    """``pip config list`` as ``{"index-url": ..., "cert": ...}``, the environment's last."""
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                            capture_output=True, text=True, check=True).stdout
    pairs = (line.partition("=") for line in listed.splitlines())
    return {key.rpartition(".")[2]: value.strip("'\"") for key, _, value in pairs}


def pip_setup() -> PipSetup:
    config = pip_config()
    index = os.environ.get("PIP_INDEX_URL") or config.get("index-url") or PyPI.simple_url
    hosts = [urlsplit(index).hostname or ""]
    if index == PyPI.simple_url:
        hosts.append(PyPI.file_storage_domain)  # pip's default index serves files from here
    cert = os.environ.get("PIP_CERT") or config.get("cert")
    return PipSetup(index, tuple(hosts), Path(cert) if cert else None)


def npm_registry_host() -> str | None:
    """The host of npm's configured registry; None when npm is not installed."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    url = subprocess.run([npm, "config", "get", "registry"], capture_output=True, text=True,
                         check=True).stdout.strip()
    return urlsplit(url).hostname
