#!/bin/bash
# Hostile inputs at and over the limits of README "Bad input": the time and peak memory of each
# command (issue 8: every command under 10 s and 2 GB on any input of at most 50 MB).
# Usage: mkdir /tmp/scratch && cd /tmp/scratch && /path/to/benchmarks/hostile-inputs.sh /path/to/.venv/bin/mmn-ddx
# It writes about 160 MB of inputs into the current folder. Needs GNU time (/usr/bin/time).
set -u
W=${1:-mmn-ddx}
PY=$(dirname "$W")/python
$PY - <<'PYEOF'
import json, os
MB = 1024 * 1024
def lines(head, fn, n): return head + "".join(fn(i) for i in range(n))
open("case-unknown.yaml", "w").write(lines("id: big-case\nstages:\n  - name: history\n    findings:\n", lambda i: f"      unknown_finding_{i}: true\n", 49000))
open("case-flow.yaml", "w").write("id: x\nteaching_points: [" + ",".join(["a"] * (5 * MB // 2 - 100)) + "]\n")
open("case-50mb.yaml", "w").write("id: x\n" + "# pad\n" * (50 * MB // 6))
open("answers-unknown.yaml", "w").write(lines("", lambda i: f"unknown-question-{i}: a\n", 49000))
open("calls-unknown.yaml", "w").write(lines("", lambda i: f"stage{i}: mmn\n", 49000))
open("quiz-long.yaml", "w").write(lines("title: big\ncases: [electrician-finger-drop]\nquestions:\n", lambda i: f"  - {{id: q{i}, kind: leaning, case: electrician-finger-drop}}\n", 14000))
open("quiz-200.yaml", "w").write(lines("title: big\ncases: [electrician-finger-drop]\nquestions:\n", lambda i: f"  - {{id: q{i}, kind: leaning, case: electrician-finger-drop}}\n", 200))
open("stages.yaml", "w").write(lines("id: many-stages\nstages:\n", lambda i: f"  - {{name: s{i}}}\n", 30000))
laughs = "".join(f"{n}: &{n} [" + ",".join([f"*{p}"] * 9 if p else ['"lol"'] * 9) + "]\n" for p, n in zip([None, *"abcdefgh"], "abcdefghi"))
open("bomb.yaml", "w").write(laughs + "id: *i\nfindings: {sex: male}\n")
open("deep.json", "w").write('{"a": ' + "[" * 2_000_000 + "]" * 2_000_000 + "}")
open("bigint.json", "w").write('{"a": ' + "9" * 4_000_000 + "}")
os.makedirs("cases50", exist_ok=True)
for k in range(11):  # 11 case files of ~4.6 MB, 99,000 values each
    open(f"cases50/c{k}.yaml", "w").write(lines(f"id: c{k}\nstages:\n  - name: history\n    findings:\n", lambda i: f"      unknown_finding_{i}_{'x' * 10}: true\n", 49000))
PYEOF
[ -p fifo.yaml ] || mkfifo fifo.yaml
echo '{}' > empty.yaml
rm -f base.json; $W quiz introductory --seed 1 --student S0 --answers empty.yaml --results base.json >/dev/null 2>&1
$PY - <<'PYEOF'
import json, copy, os
base = json.load(open("base.json"))
os.makedirs("results50", exist_ok=True)
qs = [f"q{i}" for i in range(1000)]
rec = {"id": "q0", "number": 1, "kind": "choice", "case": None, "stage": None, "prompt": "p" * 2000,
       "options": [{"letter": "a", "value": "x", "label": "y"}] * 20, "answer": "x", "answer_label": "y", "typed": "a",
       "right_answer": "x", "right_label": "y", "accepted": ["x"], "correct": True, "seconds": 1.0, "rule": None,
       "explained_by": None, "teaching_point": "t", "feedback": "f" * 1500, "answered_at": base["updated"]}
for k in range(10):  # ten results files of 5.0 MB: 50 MB in all
    d = copy.deepcopy(base); d["student"] = f"S{k}"; d["questions"] = qs; d["total"] = 1000
    d["answers"] = [dict(rec, id=q, number=i + 1, teaching_point=f"t{i}" * 100) for i, q in enumerate(qs)]
    d["score"] = {"correct": 1000, "answered": 1000, "total": 1000, "percent": 100.0}
    open(f"results50/r{k}.json", "w").write(json.dumps(d))
PYEOF
m() { /usr/bin/time -f "%e s %M KB" timeout 120 "$@" > out.txt 2> err.txt < /dev/null; printf "%-4s %-22s %s\n" "rc=$?" "$(tail -1 err.txt)" "$*"; }
m $W validate bomb.yaml
m $W validate case-unknown.yaml
m $W assess case-unknown.yaml
m $W cases show case-unknown.yaml
m $W export case-unknown.yaml
m $W validate case-flow.yaml
m $W validate case-50mb.yaml
m $W validate cases50
m $W assess cases50
m $W quiz introductory --answers answers-unknown.yaml
m $W quiz introductory --answers deep.json
m $W quiz introductory --answers bigint.json
m $W walk electrician-finger-drop --answers calls-unknown.yaml
m $W validate quiz-long.yaml
m $W quiz quiz-long.yaml --key
m $W quiz quiz-200.yaml --key
m $W quiz quiz-200.yaml --key --format html
m $W walk stages.yaml --no-input
m $W validate fifo.yaml
m $W class report results50
m $W class report results50 --json
m $W class report results50 --csv grades.csv --force
