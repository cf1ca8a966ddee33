"""Throughput, scaling, memory and start-up figures for the engine and the command line (not a test).

Run with `make bench` (or `.venv/bin/python benchmarks/engine.py`). Rates are printed with their
ratio to the plain-Python oracle measured in the same run, so a loaded or different machine still
says something. The aims (engine issue, 2-core machine):
  weighing + red-flag rules through durable_rules  >= 5,000 cases/s
  the whole assessment                             >= 1,000 cases/s
  assess DIR --json on 2,000 files                 >= 500 cases/s on one core, >= 900 with two workers
  peak memory flat from 100 to 100,000 files; `--help` within 1.5 x `python -c "import click, rich"`.
BENCH_FILES=10000 (say) stops the memory series early; the default goes to 100,000 (several minutes).
BENCH_ONLY=engine,cli,memory,startup (any of them) runs only those sections; BENCH_REPEAT=N (default 3)
repeats each in-process rate and prints the best with the range of the runs.
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import Generator, case_text, write_folder  # noqa: E402

from mmn_ddx.batch import default_jobs  # noqa: E402
from mmn_ddx.engine import DurableEngine, PlainEngine, Target  # noqa: E402
from mmn_ddx.library import bundled_library  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "mmn_ddx"]
# Runs the CLI in this interpreter and reports its peak memory and its workers' (RUSAGE_CHILDREN).
# The process's own peak is VmHWM where /proc has it: Linux carries ru_maxrss across exec, so
# RUSAGE_SELF would report the size of the benchmark process that started it.
PEAK = ("import resource, sys; from mmn_ddx.cli import main\n"
        "code = 0\n"
        "try:\n    main(sys.argv[1:], prog_name='mmn-ddx')\n"
        "except SystemExit as stop:\n    code = stop.code\n"
        "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    own = int([l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1])\n"
        "except (OSError, IndexError):\n    pass\n"
        "print(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)")


REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
WARM_UP = 500  # cases at the end of the generated list, run once before the timed runs and never timed


def rate(func, cases, size: int, first: int = 0) -> tuple[float, float]:
    """Cases per second of CPU time in BENCH_REPEAT runs of `size` cases: (the best, the slowest).
    CPU time, and the best, because the machine is shared: wall time would measure the others, and
    the slower runs the others' cache pressure.

    Each run takes cases of its own (consecutive slices of `cases` from `first` on), after a warm-up
    on cases that no run takes: an assessor remembers what it worked out for earlier cases (and the
    criteria's what-if tables are shared by every assessor of a rule book), so a run over cases seen
    before would measure those memories rather than the work a new case costs.
    """
    for case in cases[-WARM_UP:]:
        func(case)
    rates = []
    for run in range(REPEAT):
        batch = [cases[(first + run * size + i) % (len(cases) - WARM_UP)] for i in range(size)]
        start = time.process_time()
        for case in batch:
            func(case)
        rates.append(len(batch) / (time.process_time() - start))
    return max(rates), min(rates)


def line(label: str, runs: tuple[float, float], oracle: tuple[float, float] | None = None,
         aim: float | None = None) -> None:
    """One rate as `rate` gives it, with its ratio to the oracle's best and whether it meets `aim`."""
    value, low = runs
    ratio = f"  {value / oracle[0]:5.2f} x oracle" if oracle else ""
    check = f"  (aim {aim:,.0f}: {'met' if value >= aim else 'NOT met'})" if aim else ""
    spread = f"  [runs {low:,.0f}-{value:,.0f}]" if REPEAT > 1 else ""
    print(f"  {label:<52} {value:>9,.0f} cases/s{ratio}{check}{spread}")


def run_cli(args: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this process's children) of one CLI run, output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(CLI + args, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def wall(args: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss(folder: Path, jobs: int) -> tuple[float, float, float, int]:
    """(seconds, MiB main process, MiB largest worker, lines written) of `assess DIR --jsonl`."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        # stdout is counted as it streams, never held (100,000 assessments are gigabytes of JSON)
        proc = subprocess.Popen([sys.executable, "-c", PEAK, "assess", str(folder), "--jsonl", "--jobs", str(jobs)],
                                stdout=subprocess.PIPE, stderr=err, cwd=ROOT)
        lines = 0
        for block in iter(lambda: proc.stdout.read(1 << 20), b""):
            lines += block.count(b"\n")
        proc.wait()
        err.seek(0)
        main_kib, workers_kib = (int(x) for x in err.read().decode().strip().splitlines()[-1].split())
    elapsed = time.perf_counter() - start
    return elapsed, main_kib / 1024, workers_kib / 1024, lines


def engine_figures() -> None:
    library = bundled_library()
    vocab = library.vocabulary
    generator = Generator()
    cases = [generator.case() for _ in range(WARM_UP + 4_000 * REPEAT)]
    durable, plain = library.assessor("durable"), library.assessor("plain")
    book = durable.book
    engine = durable.engine
    print(f"rules compiled: {len(engine.targets)} targets ({len(book.weigh)} weighing, {len(book.consider)} red-flag, "
          f"{sum(len(c.elements) + len(c.categories) for c in book.criteria)} criteria) into {len(engine._fired_as)} "
          f"durable rules in {len(engine.parts)} parts; alpha stack bound {engine.stack_bound} of 64")
    weighing = [Target(r.id, r.when) for r in book.weigh] + [Target(r.id, r.when) for r in book.consider]
    w_durable, w_plain = DurableEngine(weighing, vocab), PlainEngine(weighing, vocab)
    print("\nIn one process, generated cases (65 % sparse, 20 % dense, 15 % kitchen-sink), CPU time, "
          f"best of {REPEAT} runs, each on cases of its own (load average {os.getloadavg()[0]:.1f}):")
    oracle = rate(w_plain.run, cases, 3000)
    line("weighing + red-flag rules, plain-Python oracle", oracle)
    line("weighing + red-flag rules, durable_rules", rate(w_durable.run, cases, 3000), oracle, 5000)
    oracle = rate(plain.engine.run, cases, 3000)
    line("all rules incl. criteria (three-valued), oracle", oracle)
    line("all rules incl. criteria, durable_rules", rate(engine.run, cases, 3000), oracle)
    oracle = rate(plain.assess, cases, 2000)
    line("whole assessment (criteria, what-ifs, next best), oracle", oracle)
    # other cases than the oracle's: the two assessors share the criteria's what-if tables
    line("whole assessment, durable_rules", rate(durable.assess, cases, 2000, first=2000 * REPEAT), oracle, 1000)


def cli_figures(tmp: Path) -> None:
    folder = tmp / "cases-2000"
    write_folder(folder, 2000)
    cores = default_jobs()
    print(f"\nassess DIR --json on 2,000 generated files ({cores} cores; load average {os.getloadavg()[0]:.1f}):")
    wall_s, cpu_s = min(run_cli(["assess", str(folder), "--json", "--engine", "plain", "--jobs", "1"]) for _ in range(REPEAT))
    oracle = 2000 / cpu_s
    print(f"  {'--engine plain --jobs 1 (the oracle)':<36} {2000 / wall_s:>7,.0f} cases/s wall, {oracle:>7,.0f} a CPU second")
    done = subprocess.run(CLI + ["assess", str(folder), "--jsonl"], capture_output=True, text=True, cwd=ROOT)
    count = done.stdout.count("\n")
    print(f"  every file assessed: exit {done.returncode}, {count:,} assessments of 2,000"
          + ("" if done.returncode == 0 and count == 2000 else f"  <-- FAILED: {done.stderr.strip()[:300]}"))
    base = None
    for jobs in range(1, max(2, cores) + 1):
        # best of BENCH_REPEAT runs, as in process; the range says how much the shared machine moved it
        runs = [run_cli(["assess", str(folder), "--json", "--jobs", str(jobs)]) for _ in range(REPEAT)]
        wall_s, cpu_s = min(runs)
        per_s = 2000 / wall_s
        base = base or per_s
        aim = 500 if jobs == 1 else 900 if jobs == 2 else None
        check = f"  (aim {aim}: {'met' if per_s >= aim else 'NOT met'})" if aim else ""
        spread = f"  [runs {2000 / max(runs)[0]:,.0f}-{per_s:,.0f}]" if REPEAT > 1 else ""
        print(f"  {f'--jobs {jobs}':<36} {per_s:>7,.0f} cases/s wall, {2000 / cpu_s:>7,.0f} a CPU second, "
              f"scaling {per_s / base:4.2f} x{check}  ({2000 / cpu_s / oracle:.2f} x oracle per CPU second){spread}")


def memory_figures(tmp: Path) -> None:
    limit = int(os.environ.get("BENCH_FILES", "100000"))
    sizes = [n for n in (100, 10_000, 100_000) if n <= limit]
    print(f"\nPeak memory of assess DIR --jsonl, --jobs {default_jobs()} (main process / largest worker):")
    source = tmp / "all"
    source.mkdir()
    generator = Generator(7)
    texts = [case_text("case", generator.case()) for _ in range(500)]
    for i in range(max(sizes)):
        (source / f"case-{i:06d}.yaml").write_text(texts[i % len(texts)].replace('"case"', f'"case-{i:06d}"', 1))
    for n in sizes:
        folder = tmp / f"files-{n}"
        folder.mkdir()
        for i in range(n):
            os.link(source / f"case-{i:06d}.yaml", folder / f"case-{i:06d}.yaml")
        seconds, main_mib, worker_mib, lines = peak_rss(folder, default_jobs())
        whole = "" if lines == n else f"; NOT every file assessed: {n - lines:,} missing"
        print(f"  {n:>7,} files: {main_mib:6.1f} MiB / {worker_mib:6.1f} MiB  ({lines:,} assessments, {seconds:,.0f} s{whole})")


def startup_figures() -> None:
    bare = wall([sys.executable, "-c", "import click, rich"])
    help_ = wall(CLI + ["--help"])
    one = wall(CLI + ["assess", str(ROOT / "cases" / "electrician-finger-drop.yaml"), "--json"])
    print("\nStart-up:")
    print(f"  python -c 'import click, rich':   {bare * 1000:6.0f} ms")
    print(f"  mmn-ddx --help:                    {help_ * 1000:6.0f} ms  ({help_ / bare:.2f} x the bare import; aim <= 1.5)")
    print(f"  mmn-ddx assess CASE --json:        {one * 1000:6.0f} ms")


def main() -> None:
    random.seed(0)
    only = os.environ.get("BENCH_ONLY", "engine,cli,memory,startup").split(",")
    if "engine" in only:
        engine_figures()
    with tempfile.TemporaryDirectory() as tmp:
        if "cli" in only:
            cli_figures(Path(tmp))
        if "memory" in only:
            memory_figures(Path(tmp))
    if "startup" in only:
        startup_figures()


if __name__ == "__main__":
    main()
