"""Safe YAML reading that remembers where each key and item stood, and refuses duplicate keys.

Only PyYAML's safe constructor runs (the C one when present): no tags, no objects, no code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mmn_ddx.errors import InputError, Problem

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict):
    """A mapping read from YAML; `.lines[key]` is the 1-based line where the key stood."""

    lines: dict
    line: int | None = None


class LineList(list):
    """A sequence read from YAML; `.lines[i]` is the 1-based line of item i."""

    lines: list
    line: int | None = None


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)
        self.flatten_mapping(node)
        result = LineDict()
        result.lines = {}
        result.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise InputError(
                    Problem(None, key_node.start_mark.line + 1, "a mapping key must be a plain word.")
                ) from None
            if key in result:
                raise InputError(
                    Problem(
                        None,
                        key_node.start_mark.line + 1,
                        f"key '{key}' appears twice in one mapping (first on line {result.lines[key]}).",
                        "Keep one of them.",
                    )
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.lines[key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node, deep=False):  # noqa: D102 - PyYAML hook
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.lines = [child.start_mark.line + 1 for child in node.value]
        result.line = node.start_mark.line + 1
        return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", lambda loader, node: loader.construct_mapping(node))
_LineLoader.add_constructor("tag:yaml.org,2002:seq", lambda loader, node: loader.construct_sequence(node))


def line_of(container: Any, key: Any = None) -> int | None:
    """The line of `key` inside a mapping or sequence read by `load_yaml`, or of the container."""
    lines = getattr(container, "lines", None)
    if key is not None and lines is not None:
        try:
            return lines[key]
        except (KeyError, IndexError, TypeError):
            pass
    return getattr(container, "line", None)


def load_yaml_text(text: str, path: str) -> Any:
    """Parse YAML text; a syntax error becomes an InputError naming the line and column."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except InputError as error:
        raise InputError(Problem(path, p.line, p.message, p.hint) for p in error.problems) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        what = error.problem or "is not valid YAML"
        raise InputError(
            Problem(
                path,
                line,
                f"the file is not valid YAML{column}: {what}.",
                "Check the indentation and that every 'key: value' has a space after the colon.",
            )
        ) from None
    except yaml.YAMLError as error:
        raise InputError(Problem(path, None, f"the file is not valid YAML: {error}.")) from None


def load_yaml_file(path: Path | str) -> Any:
    """Read and parse a YAML file; a missing or unreadable file becomes an InputError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Problem(str(path), None, "no such file.", "Check the path.")) from None
    except IsADirectoryError:
        raise InputError(Problem(str(path), None, "is a directory, not a file.")) from None
    except UnicodeDecodeError:
        raise InputError(Problem(str(path), None, "is not UTF-8 text.", "Save it as UTF-8.")) from None
    except OSError as error:
        raise InputError(Problem(str(path), None, f"cannot be read ({error.strerror}).")) from None
    return load_yaml_text(text, str(path))
