"""GitHub's size limits on what Kiln writes, and the one visible cut that keeps text within them."""

from __future__ import annotations

TITLE_CHARS = 256  # an issue's or pull request's title
BODY_CHARS = 65_536  # a pull request's body, an issue or review comment
# A check run's output: GitHub's docs say 65,535 characters, but it counts UTF-8 bytes.
CHECK_TEXT_BYTES = 65_535
# A check run's title has no documented limit; Kiln keeps it within an issue title's.
CHECK_TITLE_CHARS = 255
DESCRIPTION_CHARS = 300  # a repository's description: well inside GitHub's limit

TITLE_CUT = "…"
BODY_CUT = "\n\n[… {cut:,} characters cut: GitHub allows {limit:,} …]\n\n"
CHECK_CUT = "\n[… {cut:,} bytes cut: GitHub allows {limit:,} …]\n"
TITLE_TAIL_CHARS = 16  # a cut title keeps its end, where Kiln puts " (#N)"


def fit_title(text: str, limit: int = TITLE_CHARS) -> str:
    """A title within `limit` characters: its head, "…", and its last few characters."""
    return cut(text, limit, TITLE_CUT, tail=min(TITLE_TAIL_CHARS, limit // 4))


def fit_body(text: str) -> str:
    """A body or comment within GitHub's limit: head and tail kept (markers lead, links
    close), the cut said in the middle."""
    return cut(text, BODY_CHARS, BODY_CUT)


def fit_check_text(text: str) -> str:
    """A check run's summary or text within its limit in bytes."""
    return cut(text, CHECK_TEXT_BYTES, CHECK_CUT, in_bytes=True)


def cut(text: str, limit: int, mark: str, *, in_bytes: bool = False,
        tail: int | None = None) -> str:
    """`text` when it fits in `limit` (characters, or UTF-8 bytes), else its head and tail
    around `mark` (formatted with `cut`, how much went, and `limit`). `tail` fixes the tail's
    size; by default head and tail share the room."""
    size = _size(text, in_bytes)
    if size <= limit:
        return text
    # The count in the mark is at most `size`, so a mark built with it is the widest.
    room = limit - _size(mark.format(cut=size, limit=limit), in_bytes)
    if room < 0:  # no room even for the mark: a plain cut is all that fits
        return _start(text, limit, in_bytes)
    kept_tail = _end(text, room // 2 if tail is None else min(tail, room), in_bytes)
    rest = text[:len(text) - len(kept_tail)]
    kept_head = _start(rest, room - _size(kept_tail, in_bytes), in_bytes)
    gone = size - _size(kept_head, in_bytes) - _size(kept_tail, in_bytes)
    return kept_head + mark.format(cut=gone, limit=limit) + kept_tail


def _size(text: str, in_bytes: bool) -> int:
    return len(_utf8(text)) if in_bytes else len(text)


def _utf8(text: str) -> bytes:
    return text.encode(errors="replace")  # a lone surrogate would not reach GitHub intact


def _start(text: str, room: int, in_bytes: bool) -> str:
    """The longest start of `text` within `room`; a character split by the cut goes."""
    room = max(room, 0)
    return _utf8(text)[:room].decode(errors="ignore") if in_bytes else text[:room]


def _end(text: str, room: int, in_bytes: bool) -> str:
    """The longest end of `text` within `room`."""
    if room <= 0:
        return ""
    return _utf8(text)[-room:].decode(errors="ignore") if in_bytes else text[-room:]
