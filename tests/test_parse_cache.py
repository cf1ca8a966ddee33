"""The rule files' parse cache: a second command reads what the first parsed, and is never misled by it."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, write
from mmn_ddx.yamlio import line_of, load_yaml_file

RULE_FILE = ROOT / "rules" / "weigh" / "examination.yaml"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("MMN_DDX_CACHE", str(folder))
    return folder


def _lines(value):
    """Every value with the line it stood on, all the way down."""
    if isinstance(value, dict):
        return {key: (line_of(value, key), _lines(item)) for key, item in value.items()}
    if isinstance(value, list):
        return [(line_of(value, i), _lines(item)) for i, item in enumerate(value)]
    return value


def test_a_cached_parse_is_the_fresh_parse_lines_included(cache):
    fresh = load_yaml_file(RULE_FILE)
    first = load_yaml_file(RULE_FILE, cache=True)
    assert len(list(cache.glob("parse-*.json"))) == 1
    second = load_yaml_file(RULE_FILE, cache=True)
    assert _lines(second) == _lines(first) == _lines(fresh)
    assert line_of(second["rules"][1]) == line_of(fresh["rules"][1]) > 1


def test_an_edited_file_is_parsed_afresh(cache, tmp_path):
    path = write(tmp_path / "rules.yaml", "rules:\n  - id: one\n")
    assert load_yaml_file(path, cache=True)["rules"][0]["id"] == "one"
    write(path, "rules:\n  - id: two\n")
    assert load_yaml_file(path, cache=True)["rules"][0]["id"] == "two"


def test_a_broken_or_tampered_cache_is_never_believed_as_markup(cache, tmp_path):
    path = write(tmp_path / "rules.yaml", "title: plain\n")
    load_yaml_file(path, cache=True)
    (entry,) = cache.glob("parse-*.json")
    entry.write_text("{half a file", encoding="utf-8")
    assert load_yaml_file(path, cache=True) == {"title": "plain"}  # parsed again
    kept = {"values": 2, "data": {"m": [["title", "\x1b[31mred\x1b[0m [bold]x[/bold]", 1]], "l": 1}}
    entry.write_text(json.dumps(kept), encoding="utf-8")
    title = load_yaml_file(path, cache=True)["title"]
    assert "\x1b" not in title  # cleaned like a fresh parse; rich markup is escaped where it is drawn


def test_no_cache_when_asked_for_none(monkeypatch, tmp_path):
    monkeypatch.setenv("MMN_DDX_CACHE", "")
    monkeypatch.chdir(tmp_path)
    assert load_yaml_file(RULE_FILE, cache=True)["rules"]
    assert not any(tmp_path.rglob("parse-*.json"))
