"""The one reader of every YAML and JSON input: bounded, safe, and remembering where things stood.

Every case, quiz, answers, rule and results file is read here. The limits are checked before the
work is done, so a hostile file is refused in well under a second with its file and line:

- only regular files are read (a FIFO or a device is refused without opening it for a read that
  could block), and at most `MAX_FILE_BYTES`;
- the YAML event stream is read once, event by event, and each limit is checked before the work
  grows with it: nesting deeper than `MAX_DEPTH`, more than `MAX_VALUES` values, aliases that
  would add more than `MAX_ALIAS_VALUES` values (the "billion laughs"), an alias that refers to
  itself, a text longer than `MAX_TEXT_CHARS` or an integer of more than `MAX_INT_DIGITS` digits
  is refused;
- all the YAML files one piece of work reads hold at most `MAX_COMMAND_VALUES` values together:
  a command (the command line sets this budget with `command_budget`), or in a batch of
  independent files (`assess DIR`, `validate DIR`) each file with what it brings along, so a
  hostile quiz cannot make one command read without end, while a folder of 100,000 cases is
  assessed file by file, each as bounded as a command;
- every string is cleaned of control characters (mmn_ddx.safetext.clean).

Only PyYAML's safe loading runs (the C parser when present): no tags, no objects, no code. A plain
document (the usual case file) is built in the same read as the checks, with PyYAML's own resolver
and safe constructors for its numbers, booleans and nulls; anything else (anchors, tags, a mistake
to word) is built by PyYAML's safe constructor after the checks. Duplicate keys are refused;
`.lines` on each mapping and sequence remembers its lines. The rule files, read by every command,
can be kept parsed in the cache folder (`load_yaml_file(cache=True)`), under a digest of their text
and of this reader; a kept parse is checked like a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from contextlib import contextmanager
from functools import lru_cache
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent, StreamEndEvent)
from yaml.nodes import ScalarNode

from mmn_ddx.errors import InputError, Problem
from mmn_ddx.files import cache_file, save_cache_file
from mmn_ddx.memo import Memo
from mmn_ddx.safetext import clean, has_unsafe, shorten

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FILE_BYTES = 5 * 1024 * 1024  # a case, quiz, answers, rules or results file
MAX_DEPTH = 32  # nested mappings and lists
MAX_VALUES = 100_000  # mappings, lists and scalars in one file (the largest bundled file has under 1,000)
MAX_ALIAS_VALUES = 10_000  # values that YAML aliases may add to a file, all aliases together
MAX_TEXT_CHARS = 100_000  # one text (a narrative, a name)
MAX_INT_DIGITS = 30  # one integer
MAX_COMMAND_VALUES = 250_000  # all the YAML files one command reads (a quiz and its cases; each file of a batch)

_VALUES_LEFT: ContextVar[list | None] = ContextVar("values_left", default=None)


@contextmanager
def command_budget(values: int | None = None):
    """Bound the YAML that one piece of work reads across all its files (MAX_COMMAND_VALUES unless
    given): a command (the command line sets it), or one file of a batch of independent files (the
    batch sets a fresh one per file)."""
    token = _VALUES_LEFT.set([MAX_COMMAND_VALUES if values is None else values])
    try:
        yield
    finally:
        _VALUES_LEFT.reset(token)


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
                        f"key '{shorten(key)}' appears twice in one mapping (first on line {result.lines[key]}).",
                        "Keep one of them.",
                    )
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.lines[key] = key_node.start_mark.line + 1
        return result

    def construct_scalar(self, node):  # noqa: D102 - PyYAML hook: every text, key or value, is cleaned
        value = super().construct_scalar(node)
        return clean(value) if isinstance(value, str) and has_unsafe(value) else value

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


class LimitError(InputError):
    """A file refused for its size or shape (too big, too deep, an alias bomb), not for a typo."""


def _too_much(path: str, line: int | None, message: str, hint: str = "") -> InputError:
    return LimitError(Problem(path, line, message, hint or "Is this the file you meant? A case, quiz, answers or results "
                                                           "file is never this large."))


_YAML_INT = re.compile(r"[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*)")

_STR = "tag:yaml.org,2002:str"
_BUILT_SCALARS = frozenset({"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                            "tag:yaml.org,2002:float"})
_NOT_BUILT = object()  # what _read_events returns when the document needs the full loader
_NO_KEY = object()  # an open mapping waiting for its next key
_PLAIN_TAGS = Memo(4096, 1_000_000)  # a plain scalar's text -> the tag PyYAML's resolver gives it
_SCALARS = Memo(4096, 1_000_000)  # (tag, text) -> the null, bool, int or float the safe constructor builds from it


def _read_events(text: str, path: str) -> tuple[int, Any]:
    """Read the YAML event stream once, refusing what is too large, and build the document from it.

    The limits hold before any work grows with them: each container's size (its values, aliases
    expanded) is summed as it closes and remembered for its anchor, and an alias adds its anchor's
    size to the count of values that aliases add; an alias is a single event however much it stands
    for. While the document is plain (no anchor, alias or tag, one document, scalar keys, no key
    twice, only strings, numbers, booleans and nulls) it is built here, value for value what the safe
    constructor builds; past anything else it is only checked, and `_NOT_BUILT` is returned for the
    full loader to build it and to word any mistake in it.
    """
    loader = _LineLoader(text)
    frames: list[list] = []  # per open mapping or list: [size so far, anchor]
    anchors: dict[str, int | None] = {}  # anchor -> size; None while its container is still open
    values = 0
    added = 0
    budget = _VALUES_LEFT.get()
    most = MAX_VALUES if budget is None else min(MAX_VALUES, budget[0])
    building = True
    document = None
    documents = 0
    opened: list = []  # the containers being built, innermost last
    keys: list = []  # per open container: its pending key (_NO_KEY when none; unused for a list)
    key_lines: list = []
    get_event = loader.get_event
    # A control character reaches a value only raw or through a backslash escape: without either
    # in the text, no value needs cleaning.
    dirty = "\\" in text or has_unsafe(text)
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is ScalarEvent or kind is MappingStartEvent or kind is SequenceStartEvent:
                line = event.start_mark.line + 1
                values += 1
                if values > most:
                    if most == MAX_VALUES:
                        raise _too_much(path, line, f"the file holds more than {MAX_VALUES:,} values.")
                    raise _too_much(path, line, f"with the files read before it, this command would read more than "
                                                f"{MAX_COMMAND_VALUES:,} values.", "Give fewer or smaller files at a time.")
                if kind is ScalarEvent:
                    value = event.value
                    if len(value) > MAX_INT_DIGITS:  # the shorter of the two lengths refused below
                        if len(value) > MAX_TEXT_CHARS:
                            raise _too_much(path, line, f"a value of {len(value):,} characters is longer than the {MAX_TEXT_CHARS:,} allowed.")
                        if not event.style and _YAML_INT.fullmatch(value):
                            raise _too_much(path, line, f"a number of {len(value):,} digits is longer than the {MAX_INT_DIGITS} allowed.",
                                            "Write a plausible number.")
                    if event.anchor:
                        anchors[event.anchor] = 1
                    if frames:
                        frames[-1][0] += 1
                    if not building:
                        continue
                    if event.anchor is not None or event.tag is not None:
                        node = _NOT_BUILT
                    else:
                        tag = _PLAIN_TAGS.get(value) if event.implicit[0] else _STR
                        if tag is None:  # a plain scalar's tag is resolved from its text
                            tag = _PLAIN_TAGS.remember(value, loader.resolve(ScalarNode, value, event.implicit))
                        if tag == _STR:
                            node = clean(value) if dirty else value
                        else:
                            node = _scalar(loader, event, tag)
                else:
                    if len(frames) >= MAX_DEPTH:
                        raise _too_much(path, line, f"mappings and lists are nested more than {MAX_DEPTH} deep.",
                                        "Case, quiz, answers and results files need only a few levels.")
                    if event.anchor:
                        anchors[event.anchor] = None
                    frames.append([1, event.anchor])
                    if not building:
                        continue
                    if event.anchor is None and event.tag is None:
                        node = LineDict() if kind is MappingStartEvent else LineList()
                        node.lines = {} if kind is MappingStartEvent else []
                        node.line = line
                    else:
                        node = _NOT_BUILT
                if node is _NOT_BUILT:
                    building = False
                    continue
                if opened:  # place the node in the container it stands in
                    parent = opened[-1]
                    if type(parent) is LineList:
                        parent.append(node)
                        parent.lines.append(line)
                    elif keys[-1] is not _NO_KEY:
                        key = keys[-1]
                        parent[key] = node
                        parent.lines[key] = key_lines[-1]
                        keys[-1] = _NO_KEY
                    elif kind is not ScalarEvent or node in parent:  # a list or mapping as a key, or a key twice
                        building = False
                        continue
                    else:
                        keys[-1] = node
                        key_lines[-1] = line
                elif documents == 1:
                    document = node
                if kind is not ScalarEvent:
                    opened.append(node)
                    keys.append(_NO_KEY)
                    key_lines.append(None)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                size, anchor = frames.pop()
                if anchor:
                    anchors[anchor] = size
                if frames:
                    frames[-1][0] += size
                if building:
                    opened.pop()
                    keys.pop()
                    key_lines.pop()
            elif kind is AliasEvent:
                building = False
                line = event.start_mark.line + 1
                size = anchors.get(event.anchor, 0)
                if size is None:
                    raise InputError(Problem(path, line, "an alias refers to the mapping or list that contains it.",
                                             "Remove the alias (*name) or its anchor (&name)."))
                added += size
                if added > MAX_ALIAS_VALUES:
                    raise _too_much(path, line, f"YAML aliases (*name) would expand to more than {MAX_ALIAS_VALUES:,} values here.",
                                    "Write the values out, or use fewer aliases; this is how an 'alias bomb' attacks a reader.")
                if frames:
                    frames[-1][0] += size
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:  # the full loader says that a file holds one document
                    building = False
            elif kind is StreamEndEvent:
                break
    finally:
        loader.dispose()
    if budget is not None:
        budget[0] -= values
    return values, document if building else _NOT_BUILT


def _scalar(loader: _LineLoader, event: ScalarEvent, tag: str) -> Any:
    """A null, boolean or number as the safe constructor builds it, or _NOT_BUILT for what only the
    full loader builds (a date, binary, a merge key) or refuses (a number it cannot read)."""
    value = event.value
    built = _SCALARS.get((tag, value), _NOT_BUILT)
    if built is _NOT_BUILT and tag in _BUILT_SCALARS:
        try:
            node = ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
            built = _SCALARS.remember((tag, value), loader.yaml_constructors[tag](loader, node))
        except Exception:  # the full loader words the problem
            return _NOT_BUILT
    return built


def _yaml_syntax_error(error: yaml.YAMLError, path: str) -> InputError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark else None
    column = f", column {mark.column + 1}" if mark else ""
    what = getattr(error, "problem", None) or "is not valid YAML"
    if "nesting depth" in str(what):
        return _too_much(path, line, f"mappings and lists are nested more than {MAX_DEPTH} deep.")
    return InputError(
        Problem(
            path,
            line,
            f"the file is not valid YAML{column}: {clean(str(what))}.",
            "Check the indentation and that every 'key: value' has a space after the colon.",
        )
    )


def load_yaml_text(text: str, path: str) -> Any:
    """Parse YAML text within the limits; a syntax error becomes an InputError naming the line and column."""
    return _parse(text, path)[0]


def _parse(text: str, path: str) -> tuple[Any, int]:
    """The document, and how many values it holds (what it took from the command's budget)."""
    loader = None
    try:
        values, document = _read_events(text, path)
        if document is not _NOT_BUILT:
            return document, values
        loader = _LineLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, values
        return loader.construct_document(node), values
    except InputError as error:
        raise type(error)(Problem(p.path or path, p.line, p.message, p.hint) for p in error.problems) from None
    except yaml.MarkedYAMLError as error:
        raise _yaml_syntax_error(error, path) from None
    except yaml.YAMLError as error:
        raise InputError(Problem(path, None, f"the file is not valid YAML: {clean(str(error))}.")) from None
    except (ValueError, OverflowError) as error:  # a value the safe constructor cannot build (a bad date, say)
        raise InputError(Problem(path, None, f"the file holds a value that cannot be read ({clean(str(error))}).")) from None
    finally:
        if loader is not None:
            loader.dispose()


def fingerprint_of(text: str) -> str:
    """A short, stable digest of an input's text (CRLF and LF give the same fingerprint)."""
    digest = hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()
    return f"sha256:{digest[:16]}"


def read_text(path: Path | str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of a regular file of at most `max_bytes`; anything else becomes an InputError.

    The file is opened without blocking and checked with fstat before a byte is read, so a FIFO or
    a device named as an input is refused at once instead of waiting for ever.
    """
    name = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        hint = "Fix or remove the link." if os.path.islink(path) else "Check the path."
        what = "is a link to a file that does not exist." if os.path.islink(path) else "no such file."
        raise InputError(Problem(name, None, what, hint)) from None
    except IsADirectoryError:
        raise InputError(Problem(name, None, "is a directory, not a file.")) from None
    except OSError as error:
        raise InputError(Problem(name, None, f"cannot be read ({error.strerror or error}).")) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(Problem(name, None, "is a directory, not a file."))
        if not stat.S_ISREG(info.st_mode):
            kind = "a pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "a device"
            raise InputError(Problem(name, None, f"is {kind}, not a regular file, so it was not read.",
                                     "Name a file saved on disk."))
        if info.st_size > max_bytes:
            raise _too_much(name, None, f"is {_megabytes(info.st_size)}, more than the {_megabytes(max_bytes)} allowed.")
        chunks = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise _too_much(name, None, f"is more than the {_megabytes(max_bytes)} allowed.")
    except OSError as error:
        raise InputError(Problem(name, None, f"cannot be read ({error.strerror or error}).")) from None
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Problem(name, None, "is not UTF-8 text.", "Save it as UTF-8.")) from None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def load_yaml_file(path: Path | str, max_bytes: int = MAX_FILE_BYTES, *, cache: bool = False) -> Any:
    """Read and parse a YAML file within the limits; a missing, unreadable or hostile file becomes an InputError.

    With `cache` (the rule book's files, read by every command), a file parsed before is taken from
    the user's cache: its parse kept as JSON under the digest of its text, this module and the
    PyYAML that parsed it. Building the document is most of the cost of reading YAML in Python; every command reads the
    same twenty rule files, and the stage check runs over two hundred commands. The cache holds only
    the parse (what the loaders check comes after it, unchanged) and is read with a JSON loader.
    """
    text = read_text(path, max_bytes)
    if not cache:
        return load_yaml_text(text, str(path))
    entry = _parse_cache_file(text)
    budget = _VALUES_LEFT.get()
    kept = _read_parse(entry)
    if kept is not None and (budget is None or kept[1] <= budget[0]):
        if budget is not None:
            budget[0] -= kept[1]
        return kept[0]
    data, values = _parse(text, str(path))
    if entry is not None:
        try:
            encoded = json.dumps({"values": values, "data": _encode(data)}, allow_nan=False)
        except (TypeError, ValueError):  # a value JSON cannot hold (a date, an infinity): read it afresh each time
            encoded = None
        if encoded is not None:
            save_cache_file(entry, encoded)
    return data


@lru_cache(maxsize=1)
def _loader_digest() -> str:
    # PyYAML's resolver decides what a plain scalar becomes, so a kept parse is only good for the
    # PyYAML (and the parser, C or Python) that made it, as well as for this module.
    return hashlib.sha256(Path(__file__).read_bytes() + f"\0{yaml.__version__}\0{_Base.__name__}".encode()).hexdigest()


def _parse_cache_file(text: str) -> Path | None:
    return cache_file("parse", hashlib.sha256(f"{_loader_digest()}\0{text}".encode("utf-8")).hexdigest())


def _read_parse(entry: Path | None) -> tuple[Any, int] | None:
    if entry is None:
        return None
    try:
        kept = json.loads(entry.read_text(encoding="utf-8"))
        return _decode(kept["data"]), int(kept["values"])
    except (OSError, ValueError, KeyError, TypeError, IndexError, RecursionError):
        return None  # missing, half-written or not ours: parse the YAML instead


def _encode(value: Any) -> Any:
    """A parse as JSON, lines included: {"m": [[key, value, line], ...]} and {"s": [[item, line], ...]}."""
    if isinstance(value, dict):
        return {"m": [[key, _encode(item), value.lines[key]] for key, item in value.items()], "l": value.line}
    if isinstance(value, list):
        return {"s": [[_encode(item), line] for item, line in zip(value, value.lines)], "l": value.line}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(type(value).__name__)


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "m" in value:
            result = LineDict()
            result.lines = {}
            for key, item, line in value["m"]:
                result[_decode(key)] = _decode(item)
                result.lines[_decode(key)] = line
        else:
            result = LineList(_decode(item) for item, _ in value["s"])
            result.lines = [line for _, line in value["s"]]
        result.line = value["l"]
        return result
    if isinstance(value, str) and has_unsafe(value):  # the same cleaning as a fresh parse, whoever wrote the file
        return clean(value)
    return value


# ----------------------------------------------------------------------------- JSON
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


class _Refused(ValueError):
    pass


def _json_depth_line(text: str) -> int | None:
    """The line where nesting first goes deeper than MAX_DEPTH (strings skipped), or None.

    A JSON string holds no raw newline, so blanking the strings keeps the line numbers.
    """
    bare = _JSON_STRING.sub('""', text)
    depth = 0
    for match in _JSON_BRACKET.finditer(bare):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_DEPTH:
            return bare.count("\n", 0, match.start()) + 1
    return None


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"a number of {len(text):,} digits is longer than the {MAX_INT_DIGITS} allowed")
    return int(text)


def _json_constant(name: str) -> float:
    raise _Refused(f"'{name}' is not a number JSON allows")


def _check_strings(data: Any, path: str, dirty: bool) -> Any:
    """Every string in parsed JSON checked for length and, when the text may hold control
    characters (`dirty`), cleaned of them; the nesting checked too; iteratively, however deep."""
    def fix(value):
        if len(value) > MAX_TEXT_CHARS:
            raise _too_much(path, None, f"a value of {len(value):,} characters is longer than the {MAX_TEXT_CHARS:,} allowed.")
        return clean(value) if dirty else value

    if isinstance(data, str):
        return fix(data)
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _DeepJSON()
        if isinstance(item, dict):
            if dirty or any(len(k) > MAX_TEXT_CHARS for k in item):
                fixed = {fix(k): v for k, v in item.items()}
                item.clear()
                item.update(fixed)
            for key, value in item.items():
                if type(value) is str:
                    if dirty or len(value) > MAX_TEXT_CHARS:
                        item[key] = fix(value)
                elif isinstance(value, (dict, list)):
                    stack.append((value, depth + 1))
        elif isinstance(item, list):
            for i, value in enumerate(item):
                if type(value) is str:
                    if dirty or len(value) > MAX_TEXT_CHARS:
                        item[i] = fix(value)
                elif isinstance(value, (dict, list)):
                    stack.append((value, depth + 1))
    return data


class _DeepJSON(Exception):
    pass


class _RepeatedKey(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list) -> dict:
    """A JSON object as a dict, refusing a key written twice (json.loads would keep the last silently)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set = set()
        raise _RepeatedKey(next(key for key, _ in pairs if key in seen or seen.add(key)))
    return result


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"(?=\s*(:))?|[\[\]{}]', re.DOTALL)


def _repeated_key_lines(text: str, key: str) -> tuple[int | None, int | None]:
    """The lines of a key's first and second writing within one JSON object (read only after an error)."""
    objects: list[dict | None] = []  # per open object: key -> line; None for an open list
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            objects.append({} if token == "{" else None)
        elif token in "}]":
            if objects:
                objects.pop()
        elif match.group(1) and objects and objects[-1] is not None:
            try:
                name = json.loads(token)
            except ValueError:
                continue
            line = text.count("\n", 0, match.start()) + 1
            if name == key and name in objects[-1]:
                return objects[-1][name], line
            objects[-1].setdefault(name, line)
    return None, None


def _too_deep(text: str, path: str) -> InputError:
    return _too_much(path, _json_depth_line(text), f"objects and lists are nested more than {MAX_DEPTH} deep.")


def load_json_text(text: str, path: str) -> Any:
    """Parse JSON within the limits (depth, integer digits, text length; NaN and Infinity refused)."""
    try:
        data = json.loads(text, parse_int=_json_int, parse_constant=_json_constant, object_pairs_hook=_unique_keys)
        # A control character reaches a JSON string only as a \\u escape; C1 and bidi controls may stand raw.
        return _check_strings(data, path, dirty="\\u" in text or has_unsafe(text))
    except _Refused as error:
        raise _too_much(path, None, f"{error}.") from None
    except (RecursionError, _DeepJSON):  # the parser's own guard (about 1,000 deep), or ours
        raise _too_deep(text, path) from None
    except _RepeatedKey as error:
        first, second = _repeated_key_lines(text, error.key)
        where = f" (first on line {first})" if first else ""
        raise InputError(Problem(path, second, f"key '{shorten(clean(error.key))}' appears twice in one object{where}.",
                                 "Keep one of them.")) from None
    except ValueError as error:
        where = f" (line {error.lineno}, column {error.colno})" if hasattr(error, "lineno") else ""
        raise InputError(Problem(path, getattr(error, "lineno", None), f"is not valid JSON{where}.",
                                 "It may have been cut short or edited by hand.")) from None


def load_json_file(path: Path | str, max_bytes: int = MAX_FILE_BYTES) -> Any:
    return load_json_text(read_text(path, max_bytes), str(path))
