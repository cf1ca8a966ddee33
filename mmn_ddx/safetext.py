"""Text from files and options made safe to show: the one escaper for terminals, and CSV cells.

A case, quiz, answers or results file, or a command-line option, may hold control characters: an
ESC starts an ANSI or OSC sequence (clear the screen, set the window title, a hidden link), a CR
overwrites the line, a bidi override reorders what is read. None belongs in a teaching text, so
`clean` replaces each with a visible escape (`\\x1b`, `\\u202e`); newlines and tabs stay. The
loader (mmn_ddx.yamlio) cleans every string it reads, and the terminal renderer cleans again what
it draws, so nothing from data reaches the terminal raw.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the bidi embeddings, overrides and
# isolates (U+202A-U+202E, U+2066-U+2069), which reorder the text on screen.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """`text` with every control character shown as a visible escape; safe text is returned as is."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_visible, text)


def has_unsafe(text: str) -> bool:
    return _UNSAFE.search(text) is not None


def shorten(value: object, limit: int = 80) -> str:
    """A value as it may be echoed in a message: cleaned, and cut to `limit` characters."""
    text = clean(value if isinstance(value, str) else repr(value))
    if len(text) <= limit:
        return text
    return f"{text[:limit - 1]}… ({len(text):,} characters)"


# OWASP, "CSV Injection": a cell a spreadsheet would read as a formula or a command.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: cleaned of control characters (a raw CR would
    split the row), and with a leading ' when it starts like a formula."""
    if not isinstance(value, str):
        return value
    value = clean(value)
    return "'" + value if value.startswith(_FORMULA_START) else value
