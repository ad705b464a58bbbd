"""Benchmark: Kiln's own time per build iteration, and prompt tokens per iteration as a run grows.

A scripted model (real HTTP) drives a build of ITERATIONS iterations in a real sandbox: each
iteration writes a module and its test, every other one also runs the tests. Kiln's own time
is each iteration's wall time minus the model round-trip and the install/test commands in the
sandbox: prompt building, tool dispatch, and sandbox file calls (writes, change listings).
Run: .venv/bin/python -m bench.builder [iterations]
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import docker
import openai

from emulators.model import ScriptedModel, ToolCall, Turn
from kiln.settings import Settings
from sandbox import Sandbox, SandboxConfig
from worker.builder import Budget, BuildRequest, BuildResult, Prices, run_build

ITERATIONS = 10
GOAL_MS = 50.0
PLAN = {"goal": "a package of small modules", "language": "python", "files": [],
        "install_command": None, "test_command": "python3 -m pytest -q", "steps": ["write", "test"]}


def module(n: int) -> str:
    body = "".join(f"def f{n}_{k}(x):\n    return x + {k}\n\n\n" for k in range(20))
    return f'"""Module {n}."""\n\n\n{body}'


def test_module(n: int) -> str:
    return f"from mod{n} import f{n}_3\n\n\ndef test_f{n}():\n    assert f{n}_3(1) == 4\n"


def script(iterations: int) -> list[Turn]:
    turns = [Turn.json(PLAN)]
    for n in range(iterations):
        calls = [ToolCall("write_file", {"path": f"mod{n}.py", "content": module(n)}),
                 ToolCall("write_file", {"path": f"test_mod{n}.py", "content": test_module(n)})]
        if n % 2:
            calls.append(ToolCall("run_tests", {}))
        turns.append(Turn.tool_calls(calls))
    turns.append(Turn.tool_calls([ToolCall("finish", {"summary": "done"})]))
    return turns


@contextmanager
def python_sandbox(client: docker.DockerClient, config: SandboxConfig) -> Iterator[Sandbox]:
    with Sandbox.start(client, config.image_for("python"), config,
                       labels={"kiln.job": "bench-builder"}) as box:
        yield box


def build(iterations: int) -> BuildResult:
    # Every setting at its default; the bench reads no environment.
    config = SandboxConfig.from_settings(Settings.model_construct())
    client = docker.from_env()
    model = ScriptedModel(script(iterations))
    request = BuildRequest(title="Modules", body="Write modules.", files={}, model="gpt-4.1-mini",
                           budget=Budget(10**7, 1000, 1000, 3600.0), prices=Prices(0.4, 0.1, 1.6))
    with model.serve() as url, openai.OpenAI(base_url=url, api_key="bench", max_retries=0) as llm:
        result = run_build(request, llm=llm,
                           open_sandbox=lambda _language: python_sandbox(client, config))
    model.assert_done()
    return result


def report(result: BuildResult) -> None:
    print(f"{'iter':>4} {'kiln ms':>8} {'of which':>9} {'model ms':>9} {'exec ms':>8} "
          f"{'prompt tok':>10} {'growth':>7}")
    print(f"{'':>4} {'':>8} {'files ms':>9}")
    previous = 0
    for stat in result.stats:
        growth = stat.prompt_tokens - previous if previous else 0
        previous = stat.prompt_tokens
        print(f"{stat.iteration:>4} {ms(stat.own_seconds):>8.1f} {ms(stat.file_seconds):>9.1f} "
              f"{ms(stat.model_seconds):>9.1f} {ms(stat.exec_seconds):>8.1f} "
              f"{stat.prompt_tokens:>10} {growth:>7}")
    own = [ms(stat.own_seconds) for stat in result.stats]
    code = [ms(stat.own_seconds - stat.file_seconds) for stat in result.stats]
    changed = (len(module(0)) + len(test_module(0))) // 4
    print(f"\nKiln's own time per iteration: median {statistics.median(own):.1f} ms, "
          f"max {max(own):.1f} ms (goal < {GOAL_MS:.0f} ms)")
    print(f"  without sandbox file calls (Kiln's Python alone): median "
          f"{statistics.median(code):.1f} ms, max {max(code):.1f} ms")
    print(f"prompt growth per iteration: about {changed} tokens of new file content per turn, "
          f"plus its tool results; the project so far is never resent")
    print(f"passed={result.passed} iterations={result.iterations} tokens={result.usage.total} "
          f"cached={result.usage.cached_tokens} cost=${result.cost_usd:.4f}")


def ms(seconds: float) -> float:
    return seconds * 1000


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else ITERATIONS
    report(build(iterations))


if __name__ == "__main__":
    main()
