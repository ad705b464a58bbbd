"""The repository benchmark's generated repositories have the shape it claims."""

from __future__ import annotations

import posixpath
import subprocess
import sys
from pathlib import Path

from bench.repos import LARGE_FILE_BYTES, generated_files
from emulators.github import SeedFile


def test_a_generated_repository_has_every_kind_of_file_it_claims() -> None:
    files = generated_files(1_000)

    assert len(files) == 1_000
    modes = [entry.mode for entry in files.values() if isinstance(entry, SeedFile)]
    assert modes.count("100755") >= 5 and modes.count("120000") >= 2
    links = {path: entry.content.decode() for path, entry in files.items()
             if isinstance(entry, SeedFile) and entry.mode == "120000"}
    for path, target in links.items():  # every symlink points at a module that exists
        assert posixpath.normpath(posixpath.join(posixpath.dirname(path), target)) in files
    assert len(files["data/fixture_0.bin"]) == LARGE_FILE_BYTES[0]
    assert any(path.startswith("tests/pkg_") for path in files)
    assert max(path.count("/") for path in files) >= 4  # packages nested three deep


def test_larger_repositories_carry_more_large_files() -> None:
    big = [p for p in generated_files(10_000) if p.startswith("data/")]
    assert len(big) == len(LARGE_FILE_BYTES)


def test_a_generated_repository_s_own_tests_pass(tmp_path: Path) -> None:
    """The whole-build bench runs them: a repository whose tests fail would time a failure."""
    for path, entry in generated_files(300).items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        seed = entry if isinstance(entry, SeedFile) else SeedFile(entry)
        if seed.mode == "120000":
            target.symlink_to(seed.content.decode())
        else:
            target.write_bytes(seed.content)
            target.chmod(0o755 if seed.mode == "100755" else 0o644)

    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                         cwd=tmp_path, capture_output=True, text=True, check=False)

    assert run.returncode == 0, run.stdout[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
