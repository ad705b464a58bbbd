"""A thread's outbox in a real Redis: one entry per key, the latest text, in order of putting."""

from __future__ import annotations

import redis

from worker.state.outbox import Entry, Kind, Outbox


def _comment(text: str) -> Entry:
    return Entry("<!-- kiln:progress -->", Kind.COMMENT, text, "job-a")


def test_a_newer_text_replaces_the_waiting_one_and_keeps_its_wait_and_age(
        redis_conn: redis.Redis) -> None:
    outbox = Outbox(redis_conn, "Octo", "Demo", 7)
    outbox.put(_comment("iteration 1"), now=100.0)
    (first,) = outbox.pending()
    outbox.defer(first, due=400.0)

    outbox.put(_comment("iteration 2"), now=200.0)

    (waiting,) = outbox.pending()
    assert waiting.entry.text == "iteration 2"
    assert (waiting.since, waiting.due, waiting.tries) == (100.0, 400.0, 1)


def test_entries_wait_in_the_order_they_were_last_put(redis_conn: redis.Redis) -> None:
    outbox = Outbox(redis_conn, "octo", "demo", 7)
    outbox.put(_comment("queued"), now=1.0)
    outbox.put(Entry("label", Kind.LABEL, "kiln: built", "job-a", ("kiln: failed",)), now=2.0)
    outbox.put(_comment("done"), now=3.0)  # the final comment goes after the label

    assert [p.entry.kind for p in outbox.pending()] == [Kind.LABEL, Kind.COMMENT]
    assert outbox.pending()[0].entry.remove == ("kiln: failed",)


def test_removing_what_was_delivered_keeps_a_newer_text(redis_conn: redis.Redis) -> None:
    outbox = Outbox(redis_conn, "octo", "demo", 7)
    outbox.put(_comment("iteration 1"), now=1.0)
    (sent,) = outbox.pending()
    outbox.put(_comment("iteration 2"), now=2.0)  # came while the first was being sent

    outbox.remove(sent)
    (left,) = outbox.pending()
    assert left.entry.text == "iteration 2"
    outbox.remove(left)
    assert outbox.pending() == []
