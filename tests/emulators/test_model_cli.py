"""python -m emulators.model serves a script file, prints its base URL, then its failures."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from emulators.model import Turn, dump_script
from emulators.model.__main__ import parse_args

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 20


def test_command_serves_the_script(tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    dump_script([Turn.text("from the command")], script)
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulators.model", "--script", str(script)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        client = openai.OpenAI(base_url=base_url, api_key="k", max_retries=0,
                               timeout=STARTUP_SECONDS)
        answer = client.chat.completions.create(
            model="gpt-4.1-mini", messages=[{"role": "user", "content": "Hi"}])
        assert answer.choices[0].message.content == "from the command"
        with pytest.raises(openai.BadRequestError):
            client.chat.completions.create(model="gpt-4.1-mini", messages=[])
        client.close()
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=STARTUP_SECONDS)
    assert proc.returncode == 0
    assert "failure: request 2 rejected: Missing required parameter: 'messages'." in output


def test_no_usage_flag_is_read() -> None:
    assert parse_args(["--script", "s.json", "--no-usage"]).no_usage is True
    assert parse_args(["--script", "s.json"]).no_usage is False
