"""A bounded memo: work kept between the files of a batch that never grows without end."""

from __future__ import annotations

from typing import Any


class Memo(dict):
    """A dict emptied whenever it holds `size` entries, so that a batch of 100,000 files keeps no
    more than that however many distinct keys it meets."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def remember(self, key: Any, value: Any) -> Any:
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value
