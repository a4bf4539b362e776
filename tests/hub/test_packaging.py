"""The hub's deployment files agree with its settings and dependencies.

Docker is not run here (no daemon, no registry on these machines); these checks keep the
Dockerfile, the compose file and the README in step with the code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path

from hub.settings import ENV_PREFIX, HubSettings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "packaging/hub/Dockerfile").read_text(encoding="utf-8")
COMPOSE = (ROOT / "packaging/hub/compose.yaml").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
VARIABLES = {ENV_PREFIX + item.name.upper() for item in fields(HubSettings)}


def test_every_hub_setting_is_an_environment_variable_in_the_readme() -> None:
    assert {v for v in VARIABLES if f"| `{v}` |" not in README} == set()


def test_the_deployment_files_name_only_real_settings() -> None:
    named = set(re.findall(r"OURMONEY_HUB_[A-Z_]+", DOCKERFILE + COMPOSE))
    assert named and named <= VARIABLES


def test_the_image_installs_what_pyproject_lists_for_the_hub() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = {re.split(r"[<>=]", d)[0]: d for d in project["dependencies"]}
    wanted = [base[name] for name in ("flask", "waitress", "click")]
    wanted += project["optional-dependencies"]["hub"]
    assert [d for d in wanted if f'"{d}"' not in DOCKERFILE] == []
    assert project["scripts"]["ourmoney-hub"] == "hub.cli:main"


def test_the_image_copies_what_the_package_build_needs() -> None:
    for folder in ("ourmoney", "hub", "templates", "static", "translations"):
        assert f"COPY {folder} ./{folder}" in DOCKERFILE
    assert "USER hub" in DOCKERFILE and "init-db && exec ourmoney-hub serve" in DOCKERFILE


def test_the_hub_imports_only_the_pure_parts_of_ourmoney() -> None:
    import subprocess
    import sys
    code = ("import sys, hub.cli, hub.web, hub.relay, hub.devices, hub.accounts\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('ourmoney'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.split() == ["ourmoney", "ourmoney.clock", "ourmoney.sync",
                                   "ourmoney.sync.protocol"]
