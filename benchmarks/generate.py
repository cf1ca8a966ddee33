"""Random but valid cases drawn from the vocabulary: the generator of the benchmarks and the soak run.

Three kinds, in the mix the engine issue measured with: sparse (10–30 findings), dense (40 findings
or more) and kitchen-sink (every finding stated, every region list full or near it, each value one
the rules tell apart, so that as many rules as possible fire).

    python benchmarks/generate.py DIR [COUNT] [--seed N]   # writes COUNT case files into DIR
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from mmn_ddx.conditions import candidate_values
from mmn_ddx.library import bundled_library

MIX = (("sparse", 0.65), ("dense", 0.20), ("kitchen-sink", 0.15))


def random_value(rnd: random.Random, spec, regions):
    if spec.type == "bool":
        return rnd.random() < 0.5
    if spec.type == "enum":
        return rnd.choice(spec.values)
    if spec.type == "regions":
        return tuple(r for r in regions if rnd.random() < 0.4)
    high = min(spec.max, 90 if spec.id == "age_at_onset" else 2.0 if "g_l" in spec.id else 40)
    value = rnd.uniform(spec.min, high)
    return int(value) if spec.integer else round(value, 2)


def random_case(rnd: random.Random, vocab, size: int = 25) -> dict:
    """`size` findings chosen at random, each with a random valid value."""
    return {spec.id: random_value(rnd, spec, vocab.regions) for spec in rnd.sample(list(vocab), size)}


class Generator:
    """Cases of the three kinds; the rule values come from the bundled rule book."""

    def __init__(self, seed: int = 20261125):
        self.rnd = random.Random(seed)
        library = bundled_library()
        self.vocab = library.vocabulary
        self.specs = list(self.vocab)
        book = library.rulebook
        conditions = [r.when for r in book.weigh] + [r.when for r in book.consider]
        for criterion_set in book.criteria:
            conditions += [t.condition for t in criterion_set.targets()]
        self.rule_values = candidate_values(conditions, self.vocab)

    def kind(self) -> str:
        roll, total = self.rnd.random(), 0.0
        for kind, share in MIX:
            total += share
            if roll < total:
                return kind
        return MIX[-1][0]

    def case(self, kind: str | None = None) -> dict:
        kind = kind or self.kind()
        rnd = self.rnd
        if kind == "sparse":
            return random_case(rnd, self.vocab, rnd.randint(10, 30))
        if kind == "dense":
            return random_case(rnd, self.vocab, rnd.randint(40, len(self.specs)))
        case = {}
        for spec in self.specs:
            if spec.type == "regions":
                full = tuple(self.vocab.regions)
                case[spec.id] = full if rnd.random() < 0.7 else tuple(r for r in full if rnd.random() < 0.8)
            elif self.rule_values.get(spec.id):
                case[spec.id] = rnd.choice(self.rule_values[spec.id])
            else:
                case[spec.id] = random_value(rnd, spec, self.vocab.regions)
        return case


def case_text(case_id: str, findings: dict) -> str:
    """A case file's text (JSON is YAML, and much faster to write and read)."""
    data = {k: list(v) if isinstance(v, tuple) else v for k, v in findings.items()}
    return json.dumps({"id": case_id, "title": "generated", "findings": data})


def write_folder(folder: Path, count: int, seed: int = 20261125) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    generator = Generator(seed)
    paths = []
    for i in range(count):
        path = folder / f"case-{i:06d}.yaml"
        path.write_text(case_text(f"case-{i:06d}", generator.case()), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--seed")]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 20261125
    if seed != 20261125:
        args.remove(str(seed))
    if not args:
        sys.exit(__doc__)
    write_folder(Path(args[0]), int(args[1]) if len(args) > 1 else 2000, seed)
