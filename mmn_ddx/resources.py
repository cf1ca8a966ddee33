"""Where the bundled rule and case libraries are: inside the installed wheel, or in the source tree."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The directory of bundled data `name` ('rules' or 'cases')."""
    packaged = resources.files("mmn_ddx") / "_data" / name
    if packaged.is_dir():
        return Path(str(packaged))
    # An editable install or a source checkout: the libraries sit at the repository's top level.
    return Path(__file__).resolve().parent.parent / name


def rules_dir() -> Path:
    return data_dir("rules")


def cases_dir() -> Path:
    return data_dir("cases")
