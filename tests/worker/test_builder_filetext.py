"""File text for the model: shown without mojibake, edited and written without re-encoding."""

from __future__ import annotations

import pytest

from worker.builder.filetext import Encoding, Form, edited, form_of, shown, written

LATIN1 = "# Café au lait\nprice = 3\nname = 'Café'\n".encode("latin-1")
CRLF = b"a = 1\r\nb = 2\r\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def test_an_edit_of_a_latin1_file_keeps_every_byte_it_does_not_replace() -> None:
    data, line = edited("menu.py", LATIN1, "price = 3", "price = 4")
    assert data == LATIN1.replace(b"price = 3", b"price = 4") and line == 2
    assert b"Caf\xe9" in data and b"\xef\xbf\xbd" not in data


def test_a_latin1_file_is_shown_with_its_odd_bytes_escaped_and_said_so() -> None:
    assert shown("menu.py", LATIN1) == (
        "[menu.py: not valid UTF-8: 2 bytes shown as \\xNN; edit_file keeps every byte it does "
        "not replace, and takes only ASCII replacements]\n"
        "# Caf\\xe9 au lait\nprice = 3\nname = 'Caf\\xe9'\n")


def test_a_latin1_file_refuses_what_it_cannot_store_exactly() -> None:
    with pytest.raises(ValueError, match=r"cannot tell how to store 'è' in it"):
        edited("menu.py", LATIN1, "price = 3", "prix = 'crème'")
    with pytest.raises(ValueError, match=r"was not found in menu.py.*cannot be part of a snip"):
        edited("menu.py", LATIN1, "Caf\\xe9 au", "Cafe au")
    with pytest.raises(ValueError, match="write_file would store it as UTF-8"):
        written("menu.py", LATIN1, "price = 4\n")


def test_a_mostly_utf8_file_with_one_stray_byte_is_edited_around_it() -> None:
    data = "naïve = 1\n".encode() + b"bad = '\xff'\n"
    assert edited("a.py", data, "naïve = 1", "naive = 2")[0] == b"naive = 2\nbad = '\xff'\n"


def test_crlf_line_endings_are_shown_as_lf_and_kept_by_edits_and_writes() -> None:
    assert form_of(CRLF) == Form(Encoding.UTF8, crlf=True)
    assert shown("a.py", CRLF) == (
        "[a.py: CRLF line endings kept by edits, not shown]\na = 1\nb = 2\n")
    assert edited("a.py", CRLF, "a = 1\nb", "a = 9\nc = 3\nb")[0] == (
        b"a = 9\r\nc = 3\r\nb = 2\r\n")
    assert edited("a.py", CRLF, "a = 1\r\n", "a = 0\r\n")[0] == b"a = 0\r\nb = 2\r\n"
    assert written("a.py", CRLF, "x = 1\ny = 2\n") == (
        b"x = 1\r\ny = 2\r\n", Form(Encoding.UTF8, crlf=True))


def test_mixed_line_endings_are_left_exactly_as_they_are() -> None:
    data = b"a = 1\r\nb = 2\nc = 3\n"
    assert not form_of(data).crlf and shown("a.py", data) == data.decode()
    assert edited("a.py", data, "b = 2", "b = 0")[0] == b"a = 1\r\nb = 0\nc = 3\n"


def test_a_byte_order_mark_is_kept_without_being_shown() -> None:
    data = b"\xef\xbb\xbfname,price\n"
    assert shown("a.csv", data) == (
        "[a.csv: the UTF-8 byte order mark kept by edits, not shown]\nname,price\n")
    assert written("a.csv", data, "id\n")[0] == b"\xef\xbb\xbfid\n"
    assert edited("a.csv", data, "name", "title")[0] == b"\xef\xbb\xbftitle,price\n"


def test_binary_files_are_described_and_never_edited_or_overwritten() -> None:
    assert shown("logo.png", PNG) == (
        "[logo.png is binary (PNG image, 272 B): read_file shows text only. Look into it with "
        "run_command, e.g. `file logo.png` or `od -c logo.png | head`.]")
    assert "binary data, 3 B" in shown("x.bin", b"a\x01b")
    with pytest.raises(ValueError, match=r"logo.png is binary \(PNG image, 272 B\): edit_file"):
        edited("logo.png", PNG, "PNG", "GIF")
    with pytest.raises(ValueError, match="delete_file it and write_file a new one"):
        written("logo.png", PNG, "text")


def test_lone_surrogates_from_the_model_are_refused() -> None:
    with pytest.raises(ValueError, match="not a character that can be stored"):
        written("a.py", None, "x = '\udce9'")
    with pytest.raises(ValueError, match="replacement holds"):
        edited("a.py", b"x = 1\n", "1", "\udce9")


def test_plain_utf8_is_shown_and_written_as_it_is() -> None:
    assert shown("a.py", "é = 1\n".encode()) == "é = 1\n"
    assert written("new.py", None, "é\r\n") == ("é\r\n".encode(), Form(Encoding.UTF8))
