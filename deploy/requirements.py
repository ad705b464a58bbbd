"""Print the Python packages Kiln's image installs: the project's dependencies and what builds it.

Standard library only: the Dockerfile runs this file before anything is installed, so that
the dependencies get a layer of their own, rebuilt only when pyproject.toml changes.
Usage: python3 requirements.py PYPROJECT_TOML
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def requirements(pyproject: Path) -> list[str]:
    with pyproject.open("rb") as file:
        data = tomllib.load(file)
    return [*data["project"]["dependencies"], *data["build-system"]["requires"]]


if __name__ == "__main__":
    print("\n".join(requirements(Path(sys.argv[1]))))
