"""Reading a text/event-stream response as the browser's EventSource would, for tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx


@dataclass
class Event:
    name: str = "message"
    id: str | None = None
    data: dict[str, object] = field(default_factory=dict)


def read_events(response: httpx.Response) -> Iterator[Event]:
    """Events as they arrive; each data line of the dashboard's stream is one JSON object."""
    current = Event()
    for line in response.iter_lines():
        if not line:
            if current.data:
                yield current
            current = Event()
        elif line.startswith("id: "):
            current.id = line[4:]
        elif line.startswith("event: "):
            current.name = line[7:]
        elif line.startswith("data: "):
            current.data = json.loads(line[6:])
