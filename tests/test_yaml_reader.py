"""The one-pass YAML reader builds, value for value and line for line, what PyYAML's safe loader builds."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from mmn_ddx.errors import InputError
from mmn_ddx.yamlio import _LineLoader, load_yaml_text


def _full_loader(text: str):
    """The document as PyYAML's safe constructor builds it (with the project's line-keeping hooks)."""
    loader = _LineLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _shape(value):
    """Every value with its exact type and the line it stood on, all the way down."""
    if isinstance(value, dict):
        return ("mapping", type(value).__name__, value.line,
                [(_shape(key), _shape(item), value.lines[key]) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", type(value).__name__, value.line, [(_shape(item), line) for item, line in zip(value, value.lines)])
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return (type(value).__name__, value)


def _same_as_full_loader(text: str):
    assert _shape(load_yaml_text(text, "f.yaml")) == _shape(_full_loader(text))


@pytest.mark.parametrize("folder", ["cases", "rules"])
def test_every_bundled_file_reads_as_the_safe_loader_reads_it(folder):
    files = sorted((ROOT / folder).rglob("*.yaml"))
    assert len(files) > 10
    for path in files:
        _same_as_full_loader(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("text", [
    "a: 1\nb: 1.5\nc: -0.0\nd: 1_000\ne: 0x1F\nf: 017\ng: 1:30\nh: 6.8523015e+5\ni: 1e3\nj: .inf\nk: -.Inf\nl: .nan\n",
    "a: yes\nb: No\nc: on\nd: OFF\ne: ~\nf: null\ng:\nh: 'true'\ni: \"1\"\n",
    "2: int key\ntrue: bool key\n~: null key\n2.5: float key\n",
    "- a\n- [b, c]\n- {d: e}\n- - f\n  - g\n-\n",
    "a: |\n  kept\n  lines\nb: >-\n  folded\n  text\n",
    "a: \"\\x1b[31mred\\e[0m\"\nb: \"\\u202e\"\n\"\\x07key\": v\nc: \"tab\\tand \\N\"\n",
    "a: b\r\nc: d\r\n",
    "just a scalar",
    "",
    "---\n",
    "a: &x {b: 1}\nc: *x\n",  # anchors: built by the safe constructor after the checks
    "a: !!str 1\nb: 2001-12-14\n<<: {c: 1}\n",  # a tag, a date, a merge key: likewise
])
def test_plain_and_unusual_documents_read_as_the_safe_loader_reads_them(text):
    _same_as_full_loader(text)


@pytest.mark.parametrize("text, message", [
    ("a: 1\nb: 2\na: 3\n", "line 3: key 'a' appears twice in one mapping (first on line 1)"),
    ("1: a\ntrue: b\n", "line 2: key 'True' appears twice"),
    ("? [a]\n: 1\n", "line 1: a mapping key must be a plain word"),
    ("a: 0b_\n", "holds a value that cannot be read"),
    ("a: 1\n---\nb: 2\n", "line 2: the file is not valid YAML, column 1: but found another document"),
])
def test_a_mistake_in_a_plain_document_is_worded_as_before(text, message):
    with pytest.raises(InputError) as error:
        load_yaml_text(text, "f.yaml")
    assert message in str(error.value)


def test_a_limit_is_refused_before_a_mistake_earlier_in_the_file():
    """The limits are checked over the whole file before any mistake in building it is worded."""
    text = "a: 1\na: 2\nb: " + "[" * 40 + "]" * 40 + "\n"
    with pytest.raises(InputError) as error:
        load_yaml_text(text, "f.yaml")
    assert "nested more than 32 deep" in str(error.value)


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                     st.sampled_from(["yes", "No", "~", "1:30", "0x10", "1e3", "", "a b", "é", "\x1b[1m", "\u202e", "- x"]),
                     st.text(max_size=8))
_documents = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=5), st.integers(2, 5), st.booleans()), inner, max_size=4)),
    max_leaves=12)


@given(_documents, st.sampled_from([None, True, False]), st.sampled_from([None, '"', "'"]))
def test_any_dumped_document_reads_as_the_safe_loader_reads_it(document, flow, quotes):
    _same_as_full_loader(yaml.safe_dump(document, default_flow_style=flow, default_style=quotes, allow_unicode=True))
