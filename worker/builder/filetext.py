"""A file's bytes as text for the model, and its edits back to bytes, never re-encoding a byte.

Text is decoded as UTF-8 with ``surrogateescape``: each byte that is not UTF-8 becomes a lone
surrogate and encodes back to itself, so an edit keeps every byte it does not replace. A file
whose every line ends in CRLF is shown and edited with LF and stored with CRLF again.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from enum import StrEnum

from worker.builder.entry import human_size
from worker.builder.magic import signature

BINARY_SNIFF = 8000  # git's own window: it takes a NUL byte in the first 8,000 for binary
# Control bytes text does not hold (tab, newlines, form feed and escape are text's own).
CONTROL = bytes([*range(0x00, 0x08), 0x0b, *range(0x0e, 0x1b), *range(0x1c, 0x20), 0x7f])
BOM = "\ufeff"
NOT_UNIQUE = ("the snippet {where} in {path}; it must occur exactly once (copy it exactly, "
              "with enough surrounding lines to be unique)")
ESCAPES_UNMATCHABLE = (" Bytes that read_file shows as \\xNN are not UTF-8 and cannot be part "
                       "of a snippet: pick one around them.")
BINARY = ("{path} is binary ({what}): {tool} works on text only. Look into it or change it "
          "with run_command, or delete_file it and write_file a new one.")
BINARY_READ = ("[{path} is binary ({what}): read_file shows text only. Look into it with "
               "run_command, e.g. `file {path}` or `od -c {path} | head`.]")
OTHER_NEEDS_ASCII = ("{path} is not valid UTF-8, so Kiln cannot tell how to store {char!r} in "
                     "it: keep the replacement ASCII (an escape its language understands), or "
                     "say in your finish summary what a maintainer must add.")
OTHER_NOT_WRITABLE = ("{path} is not valid UTF-8: write_file would store it as UTF-8 and change "
                      "bytes you did not mean to. Use edit_file, which keeps every byte it does "
                      "not replace, or delete_file {path} first to re-create it as UTF-8.")
UNENCODABLE = ("the {what} holds {char!r}, which is not a character that can be stored; "
               "write characters, not escapes of bytes")


class Encoding(StrEnum):
    UTF8 = "UTF-8"
    OTHER = "not UTF-8"
    BINARY = "binary"


@dataclass(frozen=True)
class Form:
    """How a file's text is stored: its encoding, CRLF line endings, a UTF-8 byte order mark."""

    encoding: Encoding
    crlf: bool = False
    bom: bool = False

    def kept(self) -> list[str]:
        """What edits keep that the model does not see: for the tools' answers."""
        return (["CRLF line endings"] if self.crlf else []) + (
            ["the UTF-8 byte order mark"] if self.bom else [])


def form_of(data: bytes) -> Form:
    head = data[:BINARY_SNIFF]
    if signature(data) is not None or len(head.translate(None, CONTROL)) < len(head):
        return Form(Encoding.BINARY)
    try:
        data.decode()
    except UnicodeDecodeError:
        encoding = Encoding.OTHER
    else:
        encoding = Encoding.UTF8
    lines = data.count(b"\n")
    return Form(encoding, crlf=lines > 0 and data.count(b"\r\n") == lines,
                bom=data.startswith(codecs.BOM_UTF8))


def shown(path: str, data: bytes) -> str:
    """What read_file answers: the text, after a bracketed note when it is not plain UTF-8."""
    form = form_of(data)
    if form.encoding is Encoding.BINARY:
        return BINARY_READ.format(path=path, what=_what(data))
    view = _view(data, form).removeprefix(BOM)
    notes = [f"{keep} kept by edits, not shown" for keep in form.kept()]
    if form.encoding is Encoding.OTHER:
        odd = sum(1 for char in view if "\udc80" <= char <= "\udcff")
        view = view.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        notes.insert(0, f"not valid UTF-8: {odd} bytes shown as \\xNN; edit_file keeps every "
                        "byte it does not replace, and takes only ASCII replacements")
    return f"[{path}: {'; '.join(notes)}]\n{view}" if notes else view


def edited(path: str, data: bytes, old: str, new: str) -> tuple[bytes, int]:
    """The file with ``old`` (which must occur once) replaced by ``new``, and its line number."""
    form = form_of(data)
    _check_text(path, data, form, "edit_file")
    _checked(old, "snippet")
    _checked(new, "replacement")
    if form.encoding is Encoding.OTHER and not new.isascii():
        char = next(char for char in new if not char.isascii())
        raise ValueError(OTHER_NEEDS_ASCII.format(path=path, char=char))
    view = _view(data, form)
    old, new = (_lf(old), _lf(new)) if form.crlf else (old, new)
    count = view.count(old)
    if count != 1:
        where = "was not found" if count == 0 else f"occurs {count} times"
        hint = ESCAPES_UNMATCHABLE if form.encoding is Encoding.OTHER else ""
        raise ValueError(NOT_UNIQUE.format(where=where, path=path) + hint)
    line = view.count("\n", 0, view.index(old)) + 1
    return _stored(view.replace(old, new, 1), form), line


def written(path: str, existing: bytes | None, content: str) -> tuple[bytes, Form]:
    """The bytes write_file stores over ``existing`` (None for a new file), and its form."""
    _checked(content, "content")
    if existing is None:
        return content.encode(), Form(Encoding.UTF8)
    form = form_of(existing)
    _check_text(path, existing, form, "write_file")
    if form.encoding is Encoding.OTHER:
        raise ValueError(OTHER_NOT_WRITABLE.format(path=path))
    text = content if content.startswith(BOM) or not form.bom else BOM + content
    return _stored(_lf(text) if form.crlf else text, form), form


def _check_text(path: str, data: bytes, form: Form, tool: str) -> None:
    if form.encoding is Encoding.BINARY:
        raise ValueError(BINARY.format(path=path, what=_what(data), tool=tool))


def _what(data: bytes) -> str:
    return f"{signature(data) or 'binary data'}, {human_size(len(data))}"


def _checked(text: str, what: str) -> None:
    """Refuse lone surrogates: stored as they are, they would turn into arbitrary bytes."""
    bad = next((char for char in text if "\ud800" <= char <= "\udfff"), None)
    if bad is not None:
        raise ValueError(UNENCODABLE.format(what=what, char=bad))


def _view(data: bytes, form: Form) -> str:
    text = data.decode("utf-8", "surrogateescape")
    return _lf(text) if form.crlf else text


def _stored(text: str, form: Form) -> bytes:
    return (text.replace("\n", "\r\n") if form.crlf else text).encode("utf-8", "surrogateescape")


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")
