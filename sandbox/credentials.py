"""The install's own files: the operator's CA bundle and registry credentials, kept secret."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping

from sandbox.config import SandboxConfig
from sandbox.result import ExecResult

# The install's own files (CA bundle, credentials) live in the installer's /tmp, a tmpfs:
# a commit takes neither tmpfs contents nor any trace of a mount into the image.
SECRETS_DIR = "/tmp/kiln-install"
CA_FILE, NETRC_FILE, NPMRC_FILE = "ca-bundle.pem", "netrc", "npmrc"
PATTERNS_FILE = "secrets"  # the credentials' secret values, one a line, for the leak check
# npmrc keys whose values are secrets (`//host/:_authToken=...`, `_auth`, `_password`).
NPMRC_SECRET_KEYS = ("_authtoken", "_auth", "_password", "token")
LEAKED = ("kiln: the install copied a registry credential into what it would keep; nothing "
          "was kept. Files holding it:")
CA_ENV_NAMES = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE",
                "NPM_CONFIG_CAFILE", "GIT_SSL_CAINFO")
FILE_ENV_NAMES = {NETRC_FILE: ("NETRC",), NPMRC_FILE: ("NPM_CONFIG_USERCONFIG",),
                  CA_FILE: CA_ENV_NAMES}
REDACTED = "[credential removed by kiln]"


def install_files(config: SandboxConfig) -> dict[str, bytes]:
    """The operator's CA bundle and credential files, by their names in ``SECRETS_DIR``."""
    sources = {CA_FILE: config.ca_bundle, NETRC_FILE: config.install_netrc,
               NPMRC_FILE: config.install_npmrc}
    return {name: path.read_bytes() for name, path in sources.items() if path is not None}


def secrets_in(files: Mapping[str, bytes]) -> list[str]:
    """The secret values of the credential files: a netrc's passwords, an npmrc's tokens."""
    found: list[str] = []
    if NETRC_FILE in files:
        words = files[NETRC_FILE].decode(errors="replace").split()
        found += [value for key, value in itertools.pairwise(words)
                  if key in ("password", "account")]
    if NPMRC_FILE in files:
        for line in files[NPMRC_FILE].decode(errors="replace").splitlines():
            key, _, value = line.partition("=")
            if value.strip() and key.strip().lower().endswith(NPMRC_SECRET_KEYS):
                found.append(value.strip())
    return found


def redacted(result: ExecResult, secrets: list[str]) -> ExecResult:
    """The result with every credential's value blanked from its output (which the model
    and the build page see)."""
    stdout, stderr = result.stdout, result.stderr
    for secret in secrets:
        stdout, stderr = stdout.replace(secret, REDACTED), stderr.replace(secret, REDACTED)
    return dataclasses.replace(result, stdout=stdout, stderr=stderr)
