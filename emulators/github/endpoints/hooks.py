"""The App's webhook deliveries: listed newest first with a cursor, and redelivered on request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from emulators.github.auth import require_app
from emulators.github.errors import invalid, not_found
from emulators.github.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE
from emulators.github.records import Delivery
from emulators.github.routing import Call, Reply, Route
from emulators.github.state import timestamp
from emulators.github.webhooks import redelivery_of

# GitHub's cursors are opaque; this one names the last delivery of the page before.
CURSOR_PREFIX = "v1_"
FILTERS = {"success": True, "failure": False}


def succeeded(delivery: Delivery) -> bool:
    return delivery.status_code is not None and 200 <= delivery.status_code < 300


def status_text(delivery: Delivery) -> str:
    """GitHub's words for an outcome: "OK" for any 2xx answer."""
    if delivery.status_code is None:
        return "failed to connect"
    return "OK" if succeeded(delivery) else f"Invalid HTTP Response: {delivery.status_code}"


def delivery_item(delivery: Delivery) -> dict[str, Any]:
    """A delivery as ``GET /app/hook/deliveries`` shows it (no request or response)."""
    return {
        "id": delivery.number,
        "guid": delivery.id,
        "delivered_at": timestamp(delivery.delivered_at),
        "redelivery": delivery.redelivery,
        "duration": round(delivery.seconds, 2),
        "status": status_text(delivery),
        "status_code": delivery.status_code or 0,
        "event": delivery.event,
        "action": delivery.action,
        "installation_id": delivery.installation_id,
        "repository_id": delivery.repository_id,
        "throttled_at": None,
    }


def _own_deliveries(call: Call) -> list[Delivery]:
    app = require_app(call.caller)
    return [d for d in reversed(call.state.deliveries) if d.app_id == app.id]


def list_deliveries(call: Call) -> Reply:
    wanted = FILTERS.get(call.query.get("status", ""))
    found = [d for d in _own_deliveries(call) if wanted is None or succeeded(d) is wanted]
    cursor = call.query.get("cursor")
    if cursor is not None:
        before = _cursor_number(cursor)
        found = [d for d in found if d.number < before]
    per_page = _per_page(call.query.get("per_page"))
    page = found[:per_page]
    headers = {}
    if len(found) > per_page:
        query = {**call.query, "per_page": str(per_page),
                 "cursor": f"{CURSOR_PREFIX}{page[-1].number}"}
        headers["link"] = f'<{call.url}?{urlencode(query)}>; rel="next"'
    return Reply(200, [delivery_item(d) for d in page], headers)


def get_delivery(call: Call) -> Reply:
    delivery = _delivery(call)
    item = delivery_item(delivery)
    item["url"] = delivery.url
    item["request"] = {"headers": delivery.headers, "payload": None}
    item["response"] = {"headers": {}, "payload": delivery.response_json}
    return Reply(200, item)


def redeliver(call: Call) -> Reply:
    """GitHub answers at once and sends the redelivery afterwards, with the same GUID."""
    call.events.append(redelivery_of(call.state, _delivery(call)))
    return Reply(202, {})


def _delivery(call: Call) -> Delivery:
    number = call.number("delivery_id")
    found = next((d for d in _own_deliveries(call) if d.number == number), None)
    if found is None:
        raise not_found()
    return found


def _cursor_number(cursor: str) -> int:
    try:
        return int(cursor.removeprefix(CURSOR_PREFIX))
    except ValueError:
        raise invalid("Invalid cursor") from None


def _per_page(value: str | None) -> int:
    try:
        asked = int(value) if value is not None else DEFAULT_PER_PAGE
    except ValueError:
        asked = DEFAULT_PER_PAGE
    return min(max(asked, 1), MAX_PER_PAGE)


ROUTES = [
    Route("GET", "/app/hook/deliveries", list_deliveries),
    Route("GET", "/app/hook/deliveries/{delivery_id}", get_delivery),
    Route("POST", "/app/hook/deliveries/{delivery_id}/attempts", redeliver),
]
