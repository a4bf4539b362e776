"""The README documents every setting and both of its commands exist."""

from __future__ import annotations

import os
from pathlib import Path

from ourmoney.settings import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme() -> None:
    missing = [s.name for s in REGISTRY if f"| `{s.name}` |" not in README]
    assert missing == []


def test_the_readme_commands_exist_and_are_executable() -> None:
    for command in ("bin/ourmoney", "bin/test", ".ci/run"):
        assert os.access(ROOT / command, os.X_OK), command
    assert "./bin/ourmoney\n" in README and "./bin/test\n" in README


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [line for line in (ROOT / ".ci/run").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[-1].strip() == "exec ./bin/test"
