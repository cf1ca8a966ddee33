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

CHUNK = 16  # cases a worker takes at a time (measured: 8–32 all within 3 % on 2,000 files)
WINDOW = 4  # chunks in flight per worker: enough to keep every worker busy, little to hold


@dataclass
class Item:
    """One case's outcome. `path` names the file (None for findings given on the command line)."""

    path: str | None
    assessment: Any = None  # an Assessment, with record == "assessment"
    what_if: list | None = None
    text: str | None = None  # the JSON text of the record, with record == "json" / "jsonl"
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
    record: str  # what an item carries: "assessment" (the object), or its JSON text ("json", "jsonl")
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
        return Item(path, text=record_text(assessment, what_if, job.record))
    except InputError as error:  # e.g. a stage the case does not have
        return Item(path, problems=error.problems)
    except Exception as error:  # an internal fault: reported for this case, the batch goes on
        return Item(path, fault=f"{type(error).__name__}: {error}")


def record_text(assessment, what_if: list | None, record: str) -> str:
    """The JSON text of one assessment: indented (for an array item or a single object) or one line."""
    from mmn_ddx.assessment import to_json

    data = to_json(assessment)
    if what_if is not None:
        data["what_if"] = [what_if_json(w) for w in what_if]
    if record == "jsonl":
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return pretty_json(data)


def pretty_json(data: Any) -> str:
    """Exactly `json.dumps(data, indent=2, ensure_ascii=False)`, about three times faster.

    With an indent, the json module falls back to its pure-Python encoder, whose generators were
    a fifth of `assess DIR --json`; this writes the same text from one recursive function, with
    the C string encoder for every string. A test holds the two equal on every bundled case.
    """
    out: list[str] = []
    _pretty(data, "\n", out)
    return "".join(out)


def _pretty(value: Any, pad: str, out: list) -> None:
    kind = type(value)
    if kind is str:
        out.append(_encode_str(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = pad + "  "
        sep = "{" + inner
        for key, item in value.items():
            out.append(sep + _encode_str(key if type(key) is str else _key(key)) + ": ")
            _pretty(item, inner, out)
            sep = "," + inner
        out.append(pad + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = pad + "  "
        sep = "[" + inner
        for item in value:
            out.append(sep)
            _pretty(item, inner, out)
            sep = "," + inner
        out.append(pad + "]")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value is None:
        out.append("null")
    else:  # numbers, and anything else json itself would refuse or render
        out.append(json.dumps(value))


def _key(key: Any) -> str:
    """A non-string key as json.dumps writes it (1 -> "1", True -> "true")."""
    return next(iter(json.loads(json.dumps({key: 0}))))


_encode_str = json.encoder.encode_basestring  # the C encoder (ensure_ascii=False), as json.dumps uses


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
