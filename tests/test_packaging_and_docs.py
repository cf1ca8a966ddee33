"""The wheel carries its data, and the README documents every command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import click
import pytest

from conftest import ROOT, run_cli
from mmn_ddx.cli import main


def test_an_installed_copy_finds_its_rules_and_cases(tmp_path):
    """Install the package (not editable) into a folder and run it from elsewhere."""
    target = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--quiet",
         "--target", str(target), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (target / "mmn_ddx" / "_data" / "rules" / "findings.yaml").is_file()
    assert (target / "mmn_ddx" / "documents" / "templates" / "page.html.j2").is_file()
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run([sys.executable, "-m", "mmn_ddx", "assess", "electrician-finger-drop", "--json"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["case"] == "electrician-finger-drop" and data["leaning"] == "mmn"
    where = subprocess.run([sys.executable, "-c", "import mmn_ddx.resources as r; print(r.rules_dir())"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert str(target) in where.stdout


def commands(group: click.Group, prefix: str = ""):
    for name, command in sorted(group.commands.items()):
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix}{name} ")


ALL = list(commands(main))


@pytest.mark.parametrize("name, command", ALL, ids=[n for n, _ in ALL])
def test_every_command_has_help_and_is_in_the_readme(name, command):
    assert command.help and len(command.help.strip()) > 20, f"{name} needs a help text"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"mmn-ddx {name}" in readme, f"README does not mention 'mmn-ddx {name}'"
    assert "Usage" in run_cli(name.split() + ["--help"]).stdout


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    assert version("mmn-ddx") in run_cli(["--version"]).stdout


def test_no_data_file_is_evaluated_as_code():
    source = "\n".join(p.read_text() for p in (ROOT / "mmn_ddx").rglob("*.py"))
    assert not re.search(r"\beval\(|\bexec\(|yaml\.load\((?![^)]*Loader=_LineLoader)|yaml\.unsafe_load|FullLoader", source)


def test_schema_command_offers_every_schema():
    from mmn_ddx.cli import SCHEMA_NAMES
    from mmn_ddx.schemas import SCHEMAS

    assert tuple(SCHEMAS) == SCHEMA_NAMES
