"""A bounded memo: work kept between the files of a batch that never grows without end."""

from __future__ import annotations

from typing import Any


class Memo(dict):
    """A dict emptied whenever it holds `entries` entries or its texts (keys and values that are
    strings, or tuples of them) hold `chars` characters, so that a batch of 100,000 files, hostile
    ones included, keeps no more than that however many distinct or long texts it meets."""

    def __init__(self, entries: int, chars: int):
        super().__init__()
        self.entries = entries
        self.chars = chars
        self.held = 0  # characters in the texts kept

    def remember(self, key: Any, value: Any) -> Any:
        size = _chars(key) + _chars(value)
        if len(self) >= self.entries or self.held + size > self.chars:
            self.clear()
            self.held = 0
        if size <= self.chars:
            self[key] = value
            self.held += size
        return value


def _chars(value: Any) -> int:
    if type(value) is str:
        return len(value)
    if type(value) is tuple:
        return sum(len(item) for item in value if type(item) is str)
    return 0
