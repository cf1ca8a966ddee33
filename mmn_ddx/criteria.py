"""Formal diagnostic criteria as data (filled in by the criteria work; empty until then)."""

from __future__ import annotations

from pathlib import Path


def load_criteria(root: Path, vocab):
    return [], []


def criteria_panel(assessment):
    """The criteria panel for the terminal view (None until criteria rules exist)."""
    return None
