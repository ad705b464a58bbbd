"""Docker's timestamps, read as seconds since the epoch."""

from __future__ import annotations

import re
import time
from datetime import datetime


def age(created: str) -> float:
    """Seconds since a Docker timestamp."""
    return time.time() - timestamp(created)


def timestamp(text: str) -> float:
    """Seconds since the epoch of a Docker time such as ``2026-11-23T09:26:01.123456789Z``
    (datetime cannot read nanoseconds); 0 for one it cannot read."""
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?", text)
    if match is None:
        return 0.0
    zone = "+00:00" if match[3] in (None, "Z") else match[3]
    return datetime.fromisoformat(match[1] + zone).timestamp() + float(match[2] or 0)
