"""Cutting long text to a head and a tail, saying how much was cut."""

from __future__ import annotations

CUT_MARK = "\n[... {cut} characters cut ...]\n"


def cut_middle(text: str, limit: int, head_share: float = 0.5) -> str:
    """``text`` if it fits in ``limit`` characters, else its head and tail around a cut notice.

    The cut snaps to line breaks near the edges so lines stay whole where possible.
    """
    if len(text) <= limit:
        return text
    head_len = int(limit * head_share)
    tail_len = limit - head_len
    head = _snap_head(text[:head_len])
    tail = _snap_tail(text[len(text) - tail_len:])
    return head + CUT_MARK.format(cut=len(text) - len(head) - len(tail)) + tail


def _snap_head(head: str) -> str:
    newline = head.rfind("\n")
    return head[:newline + 1] if newline > len(head) // 2 else head


def _snap_tail(tail: str) -> str:
    newline = tail.find("\n")
    return tail[newline + 1:] if 0 <= newline < len(tail) // 2 else tail
