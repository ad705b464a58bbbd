"""What the install step's cache is keyed on: which files count, in any order, with the
command and the base image."""

from __future__ import annotations

from sandbox.deps import cache_key
from worker.builder.manifests import is_manifest, manifest_paths

TREE = [
    "README.md", "src/app/__init__.py", "pyproject.toml", "setup.cfg", "setup.py",
    "requirements.txt", "requirements-dev.txt", "requirements/test.txt", "requirements/README.md",
    "constraints.txt", "poetry.lock", "uv.lock", "libs/core/pyproject.toml",
    "package.json", "package-lock.json", "packages/web/package.json", "yarn.lock",
    "pnpm-lock.yaml", ".npmrc", "node_modules/left-pad/package.json",
    ".venv/lib/site-packages/pip/pyproject.toml", "docs/requirements.md", "tests/test_setup.py",
]


def test_every_manifest_and_lock_file_in_the_tree_counts() -> None:
    assert manifest_paths(TREE) == [
        ".npmrc", "constraints.txt", "libs/core/pyproject.toml", "package-lock.json",
        "package.json", "packages/web/package.json", "pnpm-lock.yaml", "poetry.lock",
        "pyproject.toml", "requirements-dev.txt", "requirements.txt", "requirements/test.txt",
        "setup.cfg", "setup.py", "uv.lock", "yarn.lock",
    ]


def test_what_an_install_writes_or_a_repository_vendors_does_not_count() -> None:
    assert not is_manifest("node_modules/left-pad/package.json")
    assert not is_manifest("web/node_modules/x/package.json")
    assert not is_manifest(".venv/lib/site-packages/pip/pyproject.toml")
    assert not is_manifest("requirements/README.md")
    assert not is_manifest("tests/test_setup.py")


def test_the_list_and_the_key_do_not_depend_on_order() -> None:
    assert manifest_paths(TREE) == manifest_paths(reversed(TREE))
    forward = {"b/package.json": b"{}", "a/pyproject.toml": b"[project]"}
    backward = dict(reversed(list(forward.items())))
    assert cache_key("sha256:base", "pip install -e .", forward) == cache_key(
        "sha256:base", "pip install -e .", backward)


def test_the_key_changes_with_a_nested_manifest_the_command_and_the_base_image() -> None:
    manifests = {"pyproject.toml": b"[project]", "libs/core/pyproject.toml": b"[project]"}
    key = cache_key("sha256:base", "pip install -e .", manifests)
    changed = {**manifests, "libs/core/pyproject.toml": b"[project]\nname = 'core'"}
    assert cache_key("sha256:base", "pip install -e .", changed) != key
    assert cache_key("sha256:base", "pip install .", manifests) != key
    assert cache_key("sha256:other", "pip install -e .", manifests) != key
    # A file moved is another key, though its bytes are the same.
    moved = {"pyproject.toml": b"[project]", "libs/pyproject.toml": b"[project]"}
    assert cache_key("sha256:base", "pip install -e .", moved) != key
