"""Shared test helpers: one CLI runner that checks exit codes and never hides a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import os

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from mmn_ddx.cli import main

ROOT = Path(__file__).resolve().parent.parent

# Property tests: a quick profile for `make test` (the default) and a long one for `make test-long`
# (HYPOTHESIS_PROFILE=long), which tries ten times as many cases.
settings.register_profile("default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True, scope="session")
def _packing_cache_of_its_own(tmp_path_factory):
    """The engine keeps checked packings in the user's cache folder; tests keep theirs apart."""
    os.environ["MMN_DDX_CACHE"] = str(tmp_path_factory.mktemp("packing-cache"))
    yield


def run_cli(args, exit_code: int = 0, input: str | None = None):
    """Invoke the CLI in-process; assert the exit code; re-raise any unexpected exception."""
    runner = CliRunner()
    result = runner.invoke(main, list(args), input=input, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == exit_code, (
        f"exit {result.exit_code} != {exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result


@pytest.fixture
def rules_copy(tmp_path) -> Path:
    """A private copy of the bundled rules folder, for tests that break it on purpose."""
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
