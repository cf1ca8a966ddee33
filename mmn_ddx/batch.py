"""Assessing many case files: one at a time, a fault kept to its case, in worker processes when asked.

Each case gives one `Item`, in the order of the files: its assessment (or the record the JSON
writers print), the problems of a file that could not be read (bad input, exit 2), or the fault
the engine met on it (an internal error, exit 3). A fault never stops the batch. With `jobs` > 1
the cases are assessed in a pool of processes, a bounded window of chunks ahead of the writer, so
memory stays flat however many files there are; a worker that dies takes only its chunk's cases
with it (each reported as a fault) and the pool is started again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Sequence

from mmn_ddx.errors import InputError, Problem
from mmn_ddx.memo import Memo

try:
    import orjson  # json.dumps's bytes, about ten times faster (json_bytes)
except ImportError:  # a platform without its wheel: the same text, written by pretty_json
    orjson = None

# What an item of a batch carries: the Assessment, or its JSON text made in the worker and encoded
# there, so that the process writing the output only writes bytes.
RECORDS = {
    "assessment": "the Assessment object (and the what-if list)",
    "json": "the object indented by two spaces, as json.dumps(indent=2) writes it",
    "json-item": "the same object indented as an item of such an array (--json of several cases)",
    "jsonl": "the object on one line (JSON Lines)",
}

CHUNK = 16  # cases a worker takes at a time (measured: 8–32 all within 3 % on 2,000 files)
WINDOW = 4  # chunks in flight per worker: enough to keep every worker busy, little to hold


@dataclass
class Item:
    """One case's outcome. `path` names the file (None for findings given on the command line)."""

    path: str | None
    assessment: Any = None  # an Assessment, with record == "assessment"
    what_if: list | None = None
    output: bytes | None = None  # the record's JSON text in UTF-8, with record "json", "json-item" or "jsonl"
    problems: list[Problem] = field(default_factory=list)
    fault: str | None = None  # what failed, for an internal fault


@dataclass(frozen=True)
class Job:
    """Everything a worker needs besides the file: picklable, the same for every case of a batch."""

    stage: str | None
    extra: Mapping[str, Any]
    prior: float
    engine: str
    what_if: bool
    record: str  # what an item carries: "assessment" (the object), or its JSON text (see RECORDS)
    rules_root: str  # the library's folders: a worker started afresh reads the same library from them
    cases_root: str


# Libraries by (rules_root, cases_root): filled before the pool forks, so that forked workers
# inherit the compiled library; a worker started afresh reads it once.
_LIBRARIES: dict[tuple[str, str], Any] = {}


def _library_of(job: Job):
    key = (job.rules_root, job.cases_root)
    if key not in _LIBRARIES:
        from mmn_ddx.library import load_library

        _LIBRARIES[key] = load_library(*key)
    return _LIBRARIES[key]


def assess_one(path: str, job: Job, library) -> Item:
    """Assess one case file; bad input and internal faults become part of the item, never raised."""
    from mmn_ddx.yamlio import command_budget

    try:
        with command_budget():  # each file of a batch as bounded as one command, not all together
            case = library.load_case(path)
    except InputError as error:
        return Item(path, problems=error.problems)
    try:
        engine = library.assessor(job.engine)
        assessment = engine.assess_case(case, job.stage, job.prior, job.extra)
        disclosed = case.findings_through(job.stage)
        vocab = engine.book.vocabulary
        for finding, value in job.extra.items():
            if finding in disclosed and value is None:
                assessment.warnings.append(f"--finding {finding}=unknown set it back to unknown (the case gives "
                                           f"'{vocab.show(finding, disclosed[finding])}') for this assessment.")
            elif finding in disclosed and disclosed[finding] != value:
                assessment.warnings.append(f"--finding {finding} replaced the case's value "
                                           f"('{vocab.show(finding, disclosed[finding])}') for this assessment.")
        what_if = engine.what_if(assessment.findings, assessment.prior) if job.what_if else None
        if job.record == "assessment":
            return Item(path, assessment=assessment, what_if=what_if)
        return Item(path, output=record_bytes(assessment, what_if, job.record))
    except InputError as error:  # e.g. a stage the case does not have
        return Item(path, problems=error.problems)
    except Exception as error:  # an internal fault: reported for this case, the batch goes on
        return Item(path, fault=f"{type(error).__name__}: {error}")


def record_bytes(assessment, what_if: list | None, record: str) -> bytes:
    """The JSON text of one assessment, as RECORDS says for `record`, encoded as UTF-8."""
    from mmn_ddx.assessment import to_json

    data = to_json(assessment)
    if what_if is not None:
        data["what_if"] = [what_if_json(w) for w in what_if]
    return json_bytes(data, record)


def json_bytes(data: Any, record: str) -> bytes:
    """`data` as json.dumps writes it (compact for "jsonl", else indented by two spaces, as an array
    item for "json-item"), encoded as UTF-8.

    orjson writes the same bytes about ten times faster than the writer below, except for floats
    below 1e-4 or from 1e16 on (1e-05 becomes 0.00001), which no computed figure is but a case's
    own number may be, and what it refuses (a key that is no string, an integer beyond 64 bits, a
    lone surrogate): those records go through the writer below. Tests hold both to json.dumps.
    """
    if orjson is not None and _numbers_alike(data):
        try:
            out = orjson.dumps(data, option=0 if record == "jsonl" else orjson.OPT_INDENT_2)
        except TypeError:
            pass
        else:  # a newline is never inside a JSON string: each one starts a line to indent
            return out.replace(b"\n", b"\n  ") if record == "json-item" else out
    if record == "jsonl":
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return pretty_json(data, "\n  " if record == "json-item" else "\n").encode("utf-8")


def _numbers_alike(value: Any) -> bool:
    """Whether every float in `value` is one orjson writes as json.dumps does (from 1e-4 to below 1e16)."""
    stack = [value]
    pop, push, more = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str:
            continue
        if kind is dict:
            more(item.values())
        elif kind is list or kind is tuple:
            more(item)
        elif kind is float and item and not 1e-4 <= abs(item) < 1e16:
            return False
    return True


def pretty_json(data: Any, pad: str = "\n") -> str:
    """Exactly `json.dumps(data, indent=2, ensure_ascii=False)`, about four times faster; with a
    `pad` of a newline and two spaces, the same text indented as an item of an indented array.

    With an indent, the json module falls back to its pure-Python encoder, whose generators were
    a fifth of `assess DIR --json`; this writes the same text from one recursive function that
    handles scalars, empty lists and lists of strings in place, with the C string encoder for every
    string and each key's `,<newline><pad>"key": ` made once. A test holds the two equal.
    """
    out: list[str] = []
    _pretty(data, pad, out)
    return "".join(out)


def _pretty(value: Any, pad: str, out: list) -> None:
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        inner = pad + "  "
        keys = _KEY_TEXTS.get(inner)
        if keys is None:
            keys = _KEY_TEXTS[inner] = _KeyTexts(inner)
        first = True
        for key, item in value.items():
            head = keys[key] if type(key) is str else "," + inner + _encoded[_key(key)] + ": "
            if first:
                head = "{" + head[1:]
                first = False
            item_kind = type(item)
            if item_kind is str:
                out.append(head + _encoded[item])
            elif item_kind is list and not item:
                out.append(head + "[]")
            elif item_kind is dict or item_kind is list or item_kind is tuple or isinstance(item, (dict, list, tuple)):
                out.append(head)
                _pretty(item, inner, out)
            else:
                out.append(head + _scalar(item))
        out.append(pad + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = pad + "  "
        comma = "," + inner
        try:  # a list of strings, the most common list, in one join
            out.append("[" + inner + comma.join(map(_encoded.__getitem__, value)) + pad + "]")
            return
        except TypeError:  # an item that is no string
            pass
        head = "[" + inner
        for item in value:
            out.append(head)
            _pretty(item, inner, out)
            head = comma
        out.append(pad + "]")
    elif kind is str:
        out.append(_encoded[value])
    elif isinstance(value, dict):
        _pretty(dict(value), pad, out)
    elif isinstance(value, (list, tuple)):
        _pretty(list(value), pad, out)
    else:
        out.append(_scalar(value))


def _scalar(value: Any) -> str:
    """A string, number, boolean or null as json.dumps writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is float and value == value and value not in _INFINITIES:
        return float.__repr__(value)
    if kind is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)  # a subclass, an infinity, a NaN: as json writes it, or its refusal


_INFINITIES = (float("inf"), float("-inf"))
_MEMO_ENTRIES, _MEMO_CHARS = 20_000, 4_000_000  # strings and keys whose JSON text is kept between records
_encode_str = json.encoder.encode_basestring  # the C encoder (ensure_ascii=False), as json.dumps uses


class _Encoded(Memo):
    """A string's JSON text, kept: a rule's explanation and sources are written in record after record."""

    def __missing__(self, text: str) -> str:
        return self.remember(text, _encode_str(text))  # TypeError for anything but a string, as the list writer expects


class _KeyTexts(Memo):
    """A string key -> `,<pad>"key": ` for one pad (no other key: 1 and True would share an entry)."""

    def __init__(self, pad: str):
        super().__init__(_MEMO_ENTRIES, _MEMO_CHARS)
        self.pad = pad

    def __missing__(self, key: str) -> str:
        return self.remember(key, "," + self.pad + _encoded[key] + ": ")


_encoded = _Encoded(_MEMO_ENTRIES, _MEMO_CHARS)
_KEY_TEXTS: dict[str, _KeyTexts] = {}


def _key(key: Any) -> str:
    """A non-string key as json.dumps writes it (1 -> "1", True -> "true")."""
    return next(iter(json.loads(json.dumps({key: 0}))))


def what_if_json(item) -> dict:
    return {
        "findings": {k: list(v) if isinstance(v, tuple) else v for k, v in item.findings.items()},
        "probability_mmn": round(item.p_mmn, 4),
        "leaning": item.leaning,
        "rules": [{"rule": r.id, "toward": r.toward, "likelihood_ratio": round(r.likelihood_ratio, 3)} for r in item.rules],
    }


def _assess_chunk(paths: Sequence[str], job: Job) -> list[Item]:
    library = _library_of(job)
    return [assess_one(path, job, library) for path in paths]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def assess_paths(paths: Sequence[str], job: Job, library, jobs: int = 1) -> Iterator[Item]:
    """One item per path, in order; `jobs` worker processes when there are enough cases to share.

    `library` is the one read from `job.rules_root` and `job.cases_root`.
    """
    if jobs <= 1 or len(paths) <= CHUNK:
        for path in paths:
            yield assess_one(path, job, library)
        return
    yield from _pooled(paths, job, library, jobs)


def _pooled(paths: Sequence[str], job: Job, library, jobs: int) -> Iterator[Item]:
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    library.assessor(job.engine)  # compiled once here: forked workers inherit it instead of compiling again
    _LIBRARIES[(job.rules_root, job.cases_root)] = library
    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    chunks = [list(paths[i:i + CHUNK]) for i in range(0, len(paths), CHUNK)]
    pending: deque = deque()
    next_chunk = 0
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    try:
        while pending or next_chunk < len(chunks):
            while next_chunk < len(chunks) and len(pending) < jobs * WINDOW:
                pending.append((chunks[next_chunk], pool.submit(_assess_chunk, chunks[next_chunk], job)))
                next_chunk += 1
            chunk, future = pending.popleft()
            try:
                items = future.result()
            except BrokenProcessPool:
                # A worker died (a native crash): its chunk is lost, the rest is assessed afresh.
                items = [Item(path, fault="the worker process assessing this case stopped unexpectedly") for path in chunk]
                retry = [c for c, _ in pending]
                pending.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
                for again in retry:
                    pending.append((again, pool.submit(_assess_chunk, again, job)))
            yield from items
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
