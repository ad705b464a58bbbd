"""What counts as an install's own output in the workspace, and how git is told to leave it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sandbox import install_outputs
from sandbox.install_outputs import added_roots, pattern, walk


def test_a_new_directory_stands_for_everything_in_it(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("")
    (tmp_path / ".git" / "objects").mkdir(parents=True)
    before = walk(str(tmp_path))
    for made in ("node_modules/a/index.js", "src/pkg.egg-info/PKG-INFO", ".git/index.lock"):
        (tmp_path / made).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / made).write_text("x")
    (tmp_path / "src" / "pkg" / "_version.py").write_text("v = 1")
    (tmp_path / "src" / "pkg" / "__init__.py").write_text("changed, not added")
    (tmp_path / "node_modules" / ".bin").mkdir()
    (tmp_path / "node_modules" / ".bin" / "a").symlink_to("../a/index.js")

    assert before == {"src", "src/pkg", "src/pkg/__init__.py"}
    assert added_roots(before, walk(str(tmp_path))) == [
        "node_modules", "src/pkg.egg-info", "src/pkg/_version.py"]


def test_an_exclude_line_matches_that_path_alone(tmp_path: Path) -> None:
    names = ["build", "odd[1]*?.txt", "src/pkg.egg-info", "#notes"]
    for name in [*names, "sub/build", "odd1x.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".git" / "info" / "exclude").write_text(
        "".join(f"{pattern(name)}\n" for name in names))
    listed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert sorted(line[3:] for line in listed.splitlines()) == ["odd1x.txt", "sub/build"]


def test_kept_files_come_back_once_excluded_and_a_later_install_keeps_the_earlier_ones(
        tmp_path: Path) -> None:
    source, image = tmp_path / "source", tmp_path / "image"
    (source / ".git" / "info").mkdir(parents=True)
    (source / ".git" / "info" / "exclude").write_text("__pycache__/")
    (source / "packages" / "web").mkdir(parents=True)
    for manifest in ("package.json", "packages/web/package.json"):
        (source / manifest).write_text("{}")
    kept, roots = str(image / "workspace"), str(image / "roots")

    def install(into: Path, adds: str) -> None:
        install_outputs.stage(str(source), str(into), str(tmp_path / f"{into.name}.before"))
        (into / adds).mkdir(parents=True)
        (into / adds / "index.js").write_text(adds)
        install_outputs.keep(str(into), str(tmp_path / f"{into.name}.before"), kept, roots)

    install(tmp_path / "first", "node_modules")
    assert install_outputs.restore(str(source), kept, roots) == ["node_modules"]
    install(tmp_path / "second", "packages/web/node_modules")  # on top of the first
    (source / "node_modules" / "index.js").write_text("the model's own")
    fresh = tmp_path / "fresh"
    shutil.copytree(source, fresh)
    shutil.rmtree(fresh / "node_modules")

    for workspace in (source, fresh):
        assert install_outputs.restore(str(workspace), kept, roots) == [
            "node_modules", "packages/web/node_modules"]
        assert (workspace / "packages/web/node_modules/index.js").read_text() == (
            "packages/web/node_modules")
        assert (workspace / ".git/info/exclude").read_text() == (
            "__pycache__/\n/node_modules\n/packages/web/node_modules\n")
    assert (source / "node_modules" / "index.js").read_text() == "the model's own"
    assert (fresh / "node_modules" / "index.js").read_text() == "node_modules"
