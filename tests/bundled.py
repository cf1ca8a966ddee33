"""The bundled library as the tests use it: read once, and named wherever a test relies on it.

The package takes its library as an argument; these helpers are the tests' way of saying "the
bundled one" without repeating `bundled_library()` on every line.
"""

from __future__ import annotations

from mmn_ddx.cases import load_case_text as _load_case_text
from mmn_ddx.library import bundled_library

LIBRARY = bundled_library()


def vocabulary():
    return LIBRARY.vocabulary


def rulebook():
    return LIBRARY.rulebook


def assessor(engine: str = "durable"):
    return LIBRARY.assessor(engine)


def library() -> dict:
    """Bundled case id -> path."""
    return LIBRARY.cases()


def load_case(path):
    return LIBRARY.load_case(path)


def load_case_text(text: str, path: str):
    return _load_case_text(text, path, LIBRARY.vocabulary)


def find_case(name: str):
    """A bundled case by id, or a case file by path, as the commands find it."""
    from mmn_ddx import api

    return api.find_case(LIBRARY, name)
