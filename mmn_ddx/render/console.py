"""The one console every view is printed on, and the small pieces of text the command line prints directly."""

from __future__ import annotations

from typing import Iterable

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from mmn_ddx.errors import MAX_PROBLEMS_SHOWN, more_problems
from mmn_ddx.safetext import clean, has_unsafe, shorten

MAX_MESSAGE_CHARS = 2000  # an error message that echoes a huge value is cut
COLOUR = {"mmn": "green", "als": "red", "neither": "blue", "undecided": "yellow"}


class _Console(Console):
    """The one console: user text is never markup, and no control character reaches the terminal.

    Markup and emoji codes are off, so a student named '[link=…]' is shown as typed; the views
    build styled text with `Text`. Every segment drawn passes through `clean`, whatever view made
    it (rich's own styling travels apart from the text, as control segments and styles).
    """

    def __init__(self, **kwargs):
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def render(self, renderable, options=None):  # noqa: D102 - rich hook
        for segment in super().render(renderable, options):
            if segment.control is None and has_unsafe(segment.text):
                segment = Segment(clean(segment.text), segment.style)
            yield segment

    def on_broken_pipe(self) -> None:
        # The reader stopped early (`| head`): its choice, not a fault, so exit 0 (rich uses 1).
        import os
        import sys

        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0)


def make_console(stderr: bool = False, width: int | None = None) -> Console:
    return _Console(stderr=stderr, width=width, soft_wrap=False)


def teaching_moment(note: str) -> Text:
    return Text("Teaching moment: ", style="bold yellow") + Text(note)


def notice(text: str, style: str = "yellow") -> Text:
    """A line of plain text in one style (never read as markup)."""
    return Text(text, style=style)


def print_problems(console: Console, problems: Iterable) -> None:
    """One paragraph per problem, left for the terminal to wrap: the first 50, then how many more.

    A problem said twice in the same words (one line naming a finding twice) is said once.
    """
    problems = list({str(problem): problem for problem in problems}.values())
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        console.print(Text("Error: ", style="bold red") + Text(shorten(str(problem), MAX_MESSAGE_CHARS)), soft_wrap=True)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        console.print(Text(more_problems(len(problems) - MAX_PROBLEMS_SHOWN), style="bold red"), soft_wrap=True)
