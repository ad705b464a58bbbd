"""GraphQL node ids, which GitHub puts on every REST object too."""

from __future__ import annotations

import base64


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0:{kind}{number}".encode()).decode()
