"""What `deploy` reads from this machine, what goes into the image's build, and the compose
file's shape; no Docker engine needed."""

from __future__ import annotations

from pathlib import Path

import yaml
from docker.utils.build import exclude_paths

from deploy.base import has_packages
from deploy.machine import ca_bundle, index_build_args, parse_pip_config

ROOT = Path(__file__).resolve().parents[2]

PIP_CONFIG_LIST = """\
:env:.cert='/env/ca.pem'
:env:.default-timeout='180'
global.cert='/global/ca.pem'
global.extra-index-url='file:///opt/pypi/simple https://mirror.invalid/simple'
global.index-url='https://global.invalid/simple'
install.index-url='https://install.invalid/simple'
download.index-url='https://download.invalid/simple'
"""


def test_pip_config_prefers_the_environment_then_install_then_global() -> None:
    config = parse_pip_config(PIP_CONFIG_LIST)
    assert config["cert"] == "/env/ca.pem"
    assert config["index-url"] == "https://install.invalid/simple"
    assert config["default-timeout"] == "180"


def test_build_arguments_carry_http_indexes_and_proxies_only() -> None:
    config = parse_pip_config(PIP_CONFIG_LIST)
    args = index_build_args(config, {"https_proxy": "http://proxy.invalid:3128", "PATH": "/bin"})
    assert args == {"PIP_INDEX_URL": "https://install.invalid/simple",
                    "PIP_EXTRA_INDEX_URL": "https://mirror.invalid/simple",
                    "HTTPS_PROXY": "http://proxy.invalid:3128"}
    assert index_build_args({"extra-index-url": "file:///opt/pypi/simple"}, {}) == {}


def test_the_ca_bundle_is_pips_then_the_environments(tmp_path: Path) -> None:
    pip_ca, env_ca = tmp_path / "pip.pem", tmp_path / "env.pem"
    env_ca.write_text("env")
    assert ca_bundle({"cert": str(pip_ca)}, {"SSL_CERT_FILE": str(env_ca)}) == env_ca
    pip_ca.write_text("pip")
    assert ca_bundle({"cert": str(pip_ca)}, {"SSL_CERT_FILE": str(env_ca)}) == pip_ca


def test_a_root_file_system_is_reused_only_when_finished_with_every_package(
        tmp_path: Path) -> None:
    info = tmp_path / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text("ID=debian\n")
    (info / "python3.list").write_text("")
    (info / "libc6:amd64.list").write_text("")
    assert has_packages(tmp_path, ("python3", "libc6"))
    assert not has_packages(tmp_path, ("python3", "redis-server"))
    (tmp_path / "debootstrap").mkdir()  # debootstrap did not finish
    assert not has_packages(tmp_path, ("python3",))


def test_the_build_context_holds_the_packages_and_no_secret() -> None:
    patterns = (ROOT / ".dockerignore").read_text().split("\n")
    patterns = [p.strip() for p in patterns if p.strip() and not p.startswith("#")]
    context = exclude_paths(str(ROOT), patterns)
    tops = {path.split("/")[0] for path in context}
    assert tops <= {"pyproject.toml", "README.md", "bot", "worker", "sandbox", "kiln", "deploy",
                    "Dockerfile", ".dockerignore"}  # the last two always go with a build
    assert {"pyproject.toml", "bot", "worker", "sandbox", "kiln"} <= tops
    assert "deploy/requirements.py" in context
    assert not any(part in {".env", ".git", ".venv", "tests", "__pycache__"}
                   for path in context for part in path.split("/"))


def test_the_compose_file_has_the_services_compose_v1_and_v2_both_read() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert "version" not in compose  # v2 warns about it; 1.29 reads the file without it
    services = compose["services"]
    assert set(services) == {"redis", "sandbox-images", "web", "worker", "commands"}
    for name in ("worker", "commands", "sandbox-images"):
        assert any(v.endswith(":/var/run/docker.sock") for v in services[name]["volumes"])
    worker = services["worker"]
    assert "container_name" not in worker and "ports" not in worker  # scalable
    assert "--requirepass" in services["redis"]["command"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    assert services["web"]["healthcheck"]["test"][-1].count("/healthz") == 1
