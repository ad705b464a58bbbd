"""A scripted OpenAI-compatible model server: replays turns, records requests, fails on purpose."""

from emulators.model.script import ToolCall, Turn, TurnKind, dump_script, load_script
from emulators.model.server import ScriptedModel

__all__ = ["ScriptedModel", "ToolCall", "Turn", "TurnKind", "dump_script", "load_script"]
