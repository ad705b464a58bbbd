"""The sandbox's pure parts: output capping, listings, archives, exit classification, mirrors."""

from __future__ import annotations

import io
import tarfile

import pytest

from sandbox import archive, command, listing
from sandbox.images import mirror_from_sources
from sandbox.output import CappedOutput
from sandbox.result import classify


def test_output_under_the_cap_is_whole() -> None:
    out = CappedOutput(10)
    for chunk in (b"abc", b"", b"defg"):
        out.write(chunk)
    assert out.getvalue() == b"abcdefg"
    assert out.cut == 0


def test_output_over_the_cap_keeps_head_and_tail_across_chunks() -> None:
    out = CappedOutput(10)
    for byte in b"0123456789abcdefghij":
        out.write(bytes([byte]))
    assert out.getvalue() == b"01234\n[... 10 bytes cut by the sandbox output cap ...]\nfghij"
    assert out.total == 20


def test_output_large_single_chunk() -> None:
    out = CappedOutput(4)
    out.write(b"A" * 100 + b"Z")
    assert out.getvalue().startswith(b"AA\n[... 97 bytes cut")
    assert out.getvalue().endswith(b"AZ")


def test_listing_parses_find_output_and_compares() -> None:
    raw = (b"a.py\x005\x001795425985.8606744000\x00644\x00\x00"
           b"d/\xc3\xa9.txt\x000\x001795425985.0000000000\x00755\x00\x00"
           b"link\x004\x001795425985.0000000000\x00777\x00a.py\x00")
    parsed = listing.parse_listing(raw)
    assert parsed == {"a.py": listing.Stamp(5, 1795425985860674),
                      "d/é.txt": listing.Stamp(0, 1795425985000000, 0o755),
                      "link": listing.Stamp(4, 1795425985000000, 0o777, "a.py")}
    before = {
        "a.py": listing.Stamp(5, 1), "gone": listing.Stamp(1, 1),
        "d/é.txt": parsed["d/é.txt"], "link": parsed["link"],
    }
    assert listing.compare(before, parsed) == {"a.py": parsed["a.py"], "gone": None}


def test_tar_mtime_and_find_mtime_agree() -> None:
    # put_files records repr(mtime), which is what tarfile writes into the PAX header.
    mtime = round(1795425985.86067449, 6)
    assert listing.to_microseconds(repr(mtime)) == listing.to_microseconds("1795425985.8606740000")


def test_list_command_prunes_caches() -> None:
    argv = listing.list_command("/w")
    for name in ("__pycache__", ".pytest_cache", "node_modules", ".git"):
        assert name in argv
    assert argv[argv.index("!") + 2] == "*.pyc"


def test_pack_owns_files_and_parents_by_the_sandbox_user() -> None:
    packed = archive.pack({"a/b/c.sh": (b"#!/bin/sh\n", 0o755), "d.txt": b"d"}, 1.5)
    with tarfile.open(fileobj=io.BytesIO(packed)) as tar:
        members = {m.name: (m.type, m.mode, m.uid, m.gid) for m in tar.getmembers()}
    assert members == {
        "a": (tarfile.DIRTYPE, 0o755, 1000, 1000),
        "a/b": (tarfile.DIRTYPE, 0o755, 1000, 1000),
        "a/b/c.sh": (tarfile.REGTYPE, 0o755, 1000, 1000),
        "d.txt": (tarfile.REGTYPE, 0o644, 1000, 1000),
    }


def test_unpack_refuses_directories() -> None:
    with pytest.raises(IsADirectoryError):
        archive.unpack_file([archive.pack({}, 0, dirs=["x"])], "x")
    assert archive.unpack_file([archive.pack({"f": b"data"}, 0)], "f") == b"data"


@pytest.mark.parametrize("path", ["", ".", "/abs", "../up", "a/../../up"])
def test_workspace_path_refuses_escapes(path: str) -> None:
    with pytest.raises(ValueError):
        archive.workspace_path(path)


def test_workspace_path_normalises() -> None:
    assert archive.workspace_path("./a//b/") == "a/b"


@pytest.mark.parametrize(
    ("raw", "timed_out", "ooms", "expected"),
    [
        (0, False, 0, (0, False, False)),
        (3, False, 0, (3, False, False)),
        (124, True, 0, (124, True, False)),
        (124, True, 1, (124, True, False)),
        (137, False, 1, (137, False, True)),
        (137, False, 0, (137, False, False)),
        (1, False, 1, (1, False, False)),
    ],
)
def test_classify(raw: int, timed_out: bool, ooms: int, expected: tuple[int, bool, bool]) -> None:
    assert classify(raw, timed_out, ooms) == expected


def test_command_lines_run_under_sh_and_lists_as_they_are() -> None:
    assert command.argv_for("echo hi") == ["sh", "-c", "echo hi"]
    assert command.argv_for(("ls", "-l")) == ["ls", "-l"]


def test_mirror_from_deb822_and_one_line_sources() -> None:
    deb822 = (
        "Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n"
    )
    one_line = "deb [arch=amd64] http://other.invalid/debian bookworm main\n"
    assert mirror_from_sources([deb822]) == "http://mirror.invalid/debian"
    assert mirror_from_sources(["# nothing\n", one_line]) == "http://other.invalid/debian"
    assert mirror_from_sources(["deb http://x.invalid/debian bullseye main\n"]) is None
