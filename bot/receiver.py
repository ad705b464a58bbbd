"""``POST /api/github/webhooks``: verify, parse, route, queue, answer; counted, logged once.

A plain ASGI app rather than a Starlette endpoint: this is the one hot path, and
Starlette's request and response objects cost more than the rest of it together.
"""

from __future__ import annotations

import logging
import re
import time
from enum import StrEnum
from typing import Any, NamedTuple

import orjson
from redis import RedisError
from starlette.types import Receive, Scope, Send

from bot.body import BodyIncomplete, BodyTooLarge, read_capped
from bot.decisions import JobRequest, Noted
from bot.delivery import Delivery, PayloadError
from bot.jobqueue import JobQueue, Submission
from bot.metrics import WebhookCounter
from bot.payload import NotAnObject, routing_fields
from bot.router import Router
from bot.signature import signature_matches

WEBHOOK_PATH = "/api/github/webhooks"
EVENT_HEADER = b"x-github-event"
DELIVERY_HEADER = b"x-github-delivery"
SIGNATURE_HEADER = b"x-hub-signature-256"
LENGTH_HEADER = b"content-length"
JSON_HEADERS = [(b"content-type", b"application/json")]

# Delivery ids become Redis keys and RQ job ids, which allow only these characters.
DELIVERY_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
EVENT_NAME = re.compile(r"[a-z_]{1,64}")

log = logging.getLogger("kiln.bot.deliveries")


class Outcome(StrEnum):
    """What became of a delivery: the ``outcome`` label of ``kiln_webhooks_total``."""

    ACCEPTED = "accepted"  # its job was queued
    DUPLICATE = "duplicate"  # its delivery id was seen before: GitHub redelivered it
    ALREADY_QUEUED = "already_queued"  # another delivery queued the job it asks for
    NOTED = "noted"  # acknowledged without a job (ping, installation changes)
    IGNORED = "ignored"  # nothing for Kiln to do
    BAD_SIGNATURE = "bad_signature"
    MALFORMED = "malformed"  # a header, the body or a routed field is not what GitHub sends
    INCOMPLETE = "incomplete"  # the sender hung up before the whole body arrived
    TOO_LARGE = "too_large"
    UNAVAILABLE = "unavailable"  # Redis did not answer: GitHub may redeliver


UNVERIFIED_EVENT = "unverified"
"""The event label of a delivery refused before it was verified and read (signature, headers,
JSON body): its event header is then anyone's, and each value would be a series of its own."""

SUBMITTED = {Submission.QUEUED: Outcome.ACCEPTED, Submission.DUPLICATE_DELIVERY: Outcome.DUPLICATE,
             Submission.ALREADY_QUEUED: Outcome.ALREADY_QUEUED}


class Answer(NamedTuple):
    """What the receiver answers a delivery, and how it counts it."""

    status: int
    body: dict[str, Any]
    outcome: Outcome


class Rejection(Exception):
    """A delivery refused with an HTTP status; nothing was queued."""

    def __init__(self, status: int, reason: str, outcome: Outcome = Outcome.MALFORMED):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.outcome = outcome


class WebhookReceiver:
    """The webhook endpoint (an ASGI app): everything between GitHub's POST and a queued job.

    Every delivery is counted by event and ``Outcome`` in ``webhooks`` and logged in one line.
    """

    def __init__(self, secret: bytes, router: Router, jobs: JobQueue, webhooks: WebhookCounter):
        self._secret = secret
        self._router = router
        self._jobs = jobs
        self._webhooks = webhooks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        # ASGI gives header names in lower case; of duplicates, the last one counts. Only the
        # four read below are decoded.
        headers: dict[bytes, bytes] = dict(scope["headers"])
        line: dict[str, Any] = {"delivery": _text(headers.get(DELIVERY_HEADER)),
                                "event": _text(headers.get(EVENT_HEADER))}
        event = UNVERIFIED_EVENT
        try:
            delivery = await self._verified(headers, receive)
            event = delivery.event
            line.update(action=delivery.action, repo=delivery.repository)
            answer = await self._answer(delivery)
            line["outcome"] = _logged(answer.body)
        except Rejection as exc:
            answer = Answer(exc.status, {"error": exc.reason}, exc.outcome)
            line["outcome"] = f"rejected: {exc.reason}"
        content = orjson.dumps(answer.body)
        # A stated length spares the server chunked encoding.
        headers_out = [*JSON_HEADERS, (b"content-length", b"%d" % len(content))]
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": headers_out})
        await send({"type": "http.response.body", "body": content})
        self._webhooks.count(event, answer.outcome)
        level = _level(answer.status)
        if log.isEnabledFor(level):
            line["status"] = answer.status
            line["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
            log.log(level, orjson.dumps(line).decode())

    async def _verified(self, headers: dict[bytes, bytes], receive: Receive) -> Delivery:
        """The delivery, once its body is read and signed and its headers are well-formed."""
        try:
            raw = await read_capped(receive, _text(headers.get(LENGTH_HEADER)) or "")
        except BodyTooLarge:
            raise Rejection(413, "payload larger than GitHub's 25 MB cap",
                            Outcome.TOO_LARGE) from None
        except BodyIncomplete:
            raise Rejection(400, "client disconnected mid-body", Outcome.INCOMPLETE) from None
        if not signature_matches(self._secret, raw, _text(headers.get(SIGNATURE_HEADER))):
            raise Rejection(401, "missing or wrong X-Hub-Signature-256", Outcome.BAD_SIGNATURE)
        return Delivery(
            id=_header(headers, DELIVERY_HEADER, DELIVERY_ID),
            event=_header(headers, EVENT_HEADER, EVENT_NAME),
            payload=_json_object(raw),
        )

    async def _answer(self, delivery: Delivery) -> Answer:
        try:
            decision = self._router.route(delivery)
        except PayloadError as exc:
            raise Rejection(400, str(exc)) from None
        if isinstance(decision, JobRequest):
            return await self._submit(delivery, decision)
        if isinstance(decision, Noted):
            return Answer(decision.status, {"noted": decision.note}, Outcome.NOTED)
        return Answer(202, {"ignored": decision.reason}, Outcome.IGNORED)

    async def _submit(self, delivery: Delivery, request: JobRequest) -> Answer:
        try:
            submission = await self._jobs.submit(delivery.id, request)
        except RedisError as exc:
            log.error("redis unavailable, answering 503 so GitHub can redeliver: %s", exc)
            raise Rejection(503, "redis unavailable", Outcome.UNAVAILABLE) from None
        if submission is Submission.QUEUED:
            body = {"queued": str(request.kind), "job": request.job_id}
        else:
            body = {"ignored": str(submission), "job": request.job_id}
        return Answer(202, body, SUBMITTED[submission])


def _header(headers: dict[bytes, bytes], name: bytes, pattern: re.Pattern[str]) -> str:
    value = _text(headers.get(name))
    if value is None:
        raise Rejection(400, f"missing {name.decode()} header")
    if not pattern.fullmatch(value):
        raise Rejection(400, f"malformed {name.decode()} header")
    return value


def _text(value: bytes | None) -> str | None:
    """A header value as text; latin-1 maps every byte, so any value decodes."""
    return None if value is None else value.decode("latin-1")


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        return routing_fields(raw)
    except NotAnObject as exc:
        raise Rejection(400, str(exc)) from None


def _logged(body: dict[str, Any]) -> str:
    if "queued" in body:
        return f"queued {body['queued']}"
    if "noted" in body:
        return f"noted: {body['noted']}"
    return f"ignored: {body['ignored']}"


def _level(status: int) -> int:
    if status >= 500:
        return logging.ERROR
    return logging.WARNING if status >= 400 else logging.INFO
