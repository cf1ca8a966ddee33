"""The long run (`make test-long`): 100,000 random valid cases through both engines, under several hash seeds.

Each PYTHONHASHSEED gets a process of its own that draws the same cases (65 % sparse, 20 % dense,
15 % kitchen-sink; benchmarks/generate.py) and requires, for every case:
  - no engine error of any kind (error 303 was what dense cases gave before the engine issue);
  - durable_rules and the plain-Python oracle fire exactly the same rules, true and false;
and, for the first ASSESSED cases, the same whole assessment (JSON) from both engines.
The processes then compare digests of everything they produced: identical under every seed.

    python benchmarks/soak.py [CASES] [--seeds 0,1,2] [--assessed N]
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def worker(count: int, assessed: int) -> None:
    sys.path.insert(0, str(HERE))
    from generate import Generator

    from mmn_ddx.assessment import to_json
    from mmn_ddx.library import bundled_library

    library = bundled_library()
    durable, plain = library.assessor("durable"), library.assessor("plain")
    generator = Generator()
    digest = hashlib.sha256()
    errors = mismatches = 0
    kinds: dict[str, int] = {}
    first_problem = ""
    start = time.process_time()
    for i in range(count):
        kind = generator.kind()
        kinds[kind] = kinds.get(kind, 0) + 1
        case = generator.case(kind)
        try:
            fired = durable.engine.run(case)
        except Exception as error:  # counted, never hidden
            errors += 1
            first_problem = first_problem or f"case {i} ({kind}): {type(error).__name__}: {error}"
            continue
        if fired != plain.engine.run(case):
            mismatches += 1
            first_problem = first_problem or f"case {i} ({kind}): the engines fired different rules"
        digest.update(repr(fired).encode())
        if i < assessed:
            a = json.dumps(to_json(durable.assess(case)), sort_keys=True)
            if a != json.dumps(to_json(plain.assess(case)), sort_keys=True):
                mismatches += 1
                first_problem = first_problem or f"case {i} ({kind}): the assessments differ"
            digest.update(a.encode())
    print(json.dumps({"cases": count, "kinds": kinds, "errors": errors, "mismatches": mismatches,
                      "digest": digest.hexdigest()[:16], "cpu_s": round(time.process_time() - start, 1),
                      "first_problem": first_problem}))


def main() -> int:
    args = sys.argv[1:]
    seeds = ["0", "1", "2"]
    assessed = 2000
    if "--seeds" in args:
        at = args.index("--seeds")
        seeds = args[at + 1].split(",")
        del args[at:at + 2]
    if "--assessed" in args:
        at = args.index("--assessed")
        assessed = int(args[at + 1])
        del args[at:at + 2]
    count = int(args[0]) if args else 100_000
    print(f"soak: {count:,} generated cases a seed through durable_rules and the oracle; "
          f"{assessed:,} whole assessments compared; PYTHONHASHSEED {', '.join(seeds)}")
    running = []
    results = {}
    parallel = max(1, min(len(seeds), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2))
    pending = list(seeds)
    while pending or running:
        while pending and len(running) < parallel:
            seed = pending.pop(0)
            env = {**os.environ, "PYTHONHASHSEED": seed}
            running.append((seed, subprocess.Popen([sys.executable, __file__, "--worker", str(count), str(assessed)],
                                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)))
        seed, proc = running.pop(0)
        out, err = proc.communicate()
        if proc.returncode != 0:
            results[seed] = {"errors": 1, "mismatches": 0, "digest": "-", "first_problem": f"exit {proc.returncode}: {err.strip()[-300:]}"}
        else:
            results[seed] = json.loads(out.strip().splitlines()[-1])
        r = results[seed]
        print(f"  PYTHONHASHSEED={seed}: {r.get('cases', 0):,} cases {r.get('kinds', {})}, engine errors {r['errors']}, "
              f"disagreements {r['mismatches']}, digest {r['digest']}, {r.get('cpu_s', '?')} s CPU"
              + (f"\n    first problem: {r['first_problem']}" if r.get("first_problem") else ""))
    digests = {r["digest"] for r in results.values()}
    ok = all(r["errors"] == 0 and r["mismatches"] == 0 for r in results.values()) and len(digests) == 1
    print("soak: OK — no engine error, the engines agree, the same output under every seed" if ok else "soak: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(main())
