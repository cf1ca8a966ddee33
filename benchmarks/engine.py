"""Throughput, memory and start-up figures for the engine and the command line (not a test).

Run with `make bench` (or `.venv/bin/python benchmarks/engine.py`). Prints one block of figures;
the aims come from the engine issue: >= 1,500 cases/s through durable_rules in one process,
>= 500 cases/s end to end on a folder, flat memory, `--help` within 1.5 x the bare import of
click and rich, one `assess` under 0.5 s.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from mmn_ddx.assessment import assessor
from mmn_ddx.vocabulary import vocabulary

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "mmn_ddx"]


def random_case(rnd: random.Random, vocab, size: int = 25) -> dict:
    specs = rnd.sample(list(vocab), size)
    case = {}
    for spec in specs:
        if spec.type == "bool":
            case[spec.id] = rnd.random() < 0.5
        elif spec.type == "enum":
            case[spec.id] = rnd.choice(spec.values)
        elif spec.type == "regions":
            case[spec.id] = tuple(r for r in vocab.regions if rnd.random() < 0.4)
        else:
            high = min(spec.max, 90 if spec.id == "age_at_onset" else 2.0 if "g_l" in spec.id else 40)
            value = rnd.uniform(spec.min, high)
            case[spec.id] = int(value) if spec.integer else round(value, 2)
    return case


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rate(label: str, func, cases) -> float:
    start = time.perf_counter()
    for case in cases:
        func(case)
    elapsed = time.perf_counter() - start
    per_second = len(cases) / elapsed
    print(f"{label:<58} {per_second:>10,.0f} cases/s")
    return per_second


def wall(args: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    vocab = vocabulary()
    rnd = random.Random(20261125)
    cases = [random_case(rnd, vocab) for _ in range(10_000)]
    durable, plain = assessor("durable"), assessor("plain")
    durable.engine.run(cases[0])  # build the ruleset outside the timing
    print(f"rules compiled: {len(durable.engine.targets)} targets "
          f"({len(durable.book.weigh)} weighing, {len(durable.book.consider)} red-flag, "
          f"{sum(len(c.elements) + len(c.categories) for c in durable.book.criteria)} criteria)\n")
    from mmn_ddx.engine import DurableEngine, PlainEngine, Target

    book = durable.book
    weighing = [Target(r.id, r.when) for r in book.weigh] + [Target(r.id, r.when) for r in book.consider]
    print("In one process, 10,000 generated cases of 25 findings:")
    rate("  weighing + red-flag rules fired, durable_rules", DurableEngine(weighing, vocab).run, cases)
    rate("  weighing + red-flag rules fired, plain-Python oracle", PlainEngine(weighing, vocab).run, cases)
    rate("  all rules incl. criteria (three-valued), durable_rules", durable.engine.run, cases)
    rate("  all rules incl. criteria, plain-Python oracle", plain.engine.run, cases)
    rate("  whole assessment (weighing, criteria, next best), durable", durable.assess, cases[:2000])
    rate("  whole assessment, plain", plain.assess, cases[:2000])

    print("\nMemory over 100,000 durable_rules evaluations (all rules):")
    before = rss_mib()
    for i in range(100_000):
        durable.engine.run(cases[i % len(cases)])
    after = rss_mib()
    print(f"  resident memory before {before:,.1f} MiB, after {after:,.1f} MiB (change {after - before:+.1f} MiB)")

    print("\nCommand line:")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cases"
        folder.mkdir()
        for i in range(2000):
            findings = {k: list(v) if isinstance(v, tuple) else v for k, v in cases[i].items()}
            (folder / f"case-{i:04d}.yaml").write_text(
                yaml.safe_dump({"id": f"case-{i:04d}", "title": "generated", "findings": findings}, sort_keys=False)
            )
        start = time.perf_counter()
        done = subprocess.run(CLI + ["assess", str(folder), "--json"], check=True, capture_output=True, cwd=ROOT)
        elapsed = time.perf_counter() - start
        count = len(json.loads(done.stdout))
        print(f"  assess DIR --json on {count:,} case files: {elapsed:.2f} s  ({count / elapsed:,.0f} cases/s end to end)")
    bare = wall([sys.executable, "-c", "import click, rich"])
    help_ = wall(CLI + ["--help"])
    one = wall(CLI + ["assess", str(ROOT / "cases" / "electrician-finger-drop.yaml"), "--json"])
    print(f"  python -c 'import click, rich':   {bare * 1000:6.0f} ms")
    print(f"  mmn-ddx --help:                    {help_ * 1000:6.0f} ms  ({help_ / bare:.2f} x the bare import)")
    print(f"  mmn-ddx assess CASE --json:        {one * 1000:6.0f} ms")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
