"""The published change as a unified diff."""

from __future__ import annotations

from worker.thread.diff import unified_diff


def test_changed_added_and_deleted_files_in_path_order() -> None:
    base = {"a.py": b"x = 1\ny = 2\n", "gone.py": b"old\n"}

    diff = unified_diff(base, {"gone.py": None, "a.py": b"x = 1\ny = 3\n", "new.py": b"z\n"})

    assert diff == ("--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n x = 1\n-y = 2\n+y = 3\n"
                    "--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n"
                    "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+z\n")


def test_binary_files_are_named_not_shown() -> None:
    diff = unified_diff({"logo.png": b"\x89PNG\x00"}, {"logo.png": b"\x89PNG\x01\x00",
                                                      "latin.txt": b"caf\xe9"})
    assert diff == "Binary file latin.txt changed\nBinary file logo.png changed\n"


def test_a_missing_final_newline_is_marked() -> None:
    assert unified_diff({}, {"a": b"x"}).endswith("+x\n\\ No newline at end of file\n")
