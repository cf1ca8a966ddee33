"""Errors about the user's input: each names the file, the place in it, what is wrong and a fix."""

from __future__ import annotations

import functools
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterable

MAX_PROBLEMS_SHOWN = 50  # a file with thousands of mistakes is reported by its first 50, then "and N more"

@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file (or with the command line, when `path` is None)."""

    path: str | None
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.line:
            where.append(f"line {self.line}")
        text = ", ".join(where)
        text = f"{text}: {self.message}" if text else self.message
        if self.hint:
            text = f"{text} {self.hint}"
        return text


class InputError(Exception):
    """Bad input: one or more problems, all reported at once. Exit code 2."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        shown = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            shown.append(more_problems(len(self.problems) - MAX_PROBLEMS_SHOWN))
        super().__init__("\n".join(shown))


def more_problems(count: int) -> str:
    return f"… and {count:,} more problem{'' if count == 1 else 's'} (the first {MAX_PROBLEMS_SHOWN} are shown; fix those first)."


_HINTS_LEFT: ContextVar[list | None] = ContextVar("hints_left", default=None)


def hint_budget(function):
    """Give each call of `function` (a checker of one file) at most MAX_PROBLEMS_SHOWN did-you-mean hints.

    A hint costs a fuzzy comparison with every choice; a file of 100,000 unknown names must not
    cost 100,000 of them when only the first 50 problems are shown.
    """
    @functools.wraps(function)
    def checked(*args, **kwargs):
        token = _HINTS_LEFT.set([MAX_PROBLEMS_SHOWN])
        try:
            return function(*args, **kwargs)
        finally:
            _HINTS_LEFT.reset(token)

    return checked


def did_you_mean(word: object, choices: Iterable[str], list_few: bool = True) -> str:
    """A hint naming the nearest valid choice, or listing the choices when few and none is near."""
    import difflib  # only an error pays for it

    left = _HINTS_LEFT.get()
    if left is not None:
        if left[0] <= 0:
            return ""
        left[0] -= 1
    choices = sorted(set(choices))
    text = str(word)
    if len(text) > 100:  # no identifier is this long: nothing is near, and comparing would be slow
        return "Allowed: " + ", ".join(f"'{c}'" for c in choices) + "." if list_few and len(choices) <= 8 else ""
    close = difflib.get_close_matches(text, choices, n=1, cutoff=0.6)
    if not close and len(text) >= 3:  # an abbreviation: 'high' for 'high_titre'
        close = [c for c in choices if c.startswith(text)] or [c for c in choices if text in c]
        close = close if len(close) == 1 else []
    if close:
        return f"Did you mean '{close[0]}'?"
    if list_few and len(choices) <= 8:
        return "Allowed: " + ", ".join(f"'{c}'" for c in choices) + "."
    return ""


class EngineError(Exception):
    """An internal fault of the rules engine while assessing one case (not the user's input). Exit code 3."""
