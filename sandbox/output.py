"""A byte sink that keeps the head and the tail of a stream and counts what it cut."""

from __future__ import annotations

from collections import deque

CUT_NOTICE = "\n[... {cut} bytes cut by the sandbox output cap ...]\n"


class CappedOutput:
    """Keeps at most ``cap`` bytes: the first half and the last half of what was written."""

    def __init__(self, cap: int) -> None:
        self._head_cap = cap - cap // 2
        self._tail_cap = cap // 2
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_len = 0
        self.total = 0

    def write(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self._head_cap - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if chunk and self._tail_cap:
            self._push_tail(chunk)

    def _push_tail(self, chunk: bytes) -> None:
        self._tail.append(chunk[-self._tail_cap:])
        self._tail_len += len(self._tail[-1])
        while self._tail_len - len(self._tail[0]) >= self._tail_cap:
            self._tail_len -= len(self._tail.popleft())

    @property
    def cut(self) -> int:
        """How many bytes were dropped between the head and the tail."""
        return self.total - len(self._head) - min(self._tail_len, self._tail_cap)

    def getvalue(self) -> bytes:
        tail = b"".join(self._tail)[-self._tail_cap:] if self._tail_cap else b""
        if self.cut == 0:
            return bytes(self._head) + tail
        return bytes(self._head) + CUT_NOTICE.format(cut=self.cut).encode() + tail

    def text(self) -> str:
        return self.getvalue().decode("utf-8", errors="replace")
