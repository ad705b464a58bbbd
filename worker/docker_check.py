"""The worker's check of its Docker engine, recorded where `/healthz` reads it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import docker
import requests

from kiln.metrics import SharedMetrics

log = logging.getLogger(__name__)


class DockerCheck:
    """Pings the engine and records whether it answered; logs only when that changes, since
    it runs on every maintenance pass."""

    def __init__(self, open_docker: Callable[[], docker.DockerClient], metrics: SharedMetrics,
                 clock: Callable[[], float] = time.time) -> None:
        self._open_docker = open_docker
        self._metrics = metrics
        self._clock = clock
        self._last: bool | None = None

    def run(self) -> bool:
        try:
            client = self._open_docker()
            try:
                client.ping()
            finally:
                client.close()
        except (docker.errors.DockerException, requests.RequestException) as exc:
            self._record(False, f"Docker engine unreachable: {exc}")
            return False
        self._record(True, "Docker engine answering")
        return True

    def _record(self, up: bool, message: str) -> None:
        self._metrics.report_docker(up, self._clock())
        if up != self._last:
            log.log(logging.INFO if up else logging.WARNING, message)
        self._last = up
