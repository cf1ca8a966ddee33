"""Terminal views (rich). The library returns plain data; only this module draws it."""

from __future__ import annotations

import math

from typing import Iterable

from rich.console import Console, Group
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from mmn_ddx import DISCLAIMER
from mmn_ddx.assessment import LEAN_ALS_AT, LEAN_MMN_AT, LEANING_WORDS, WORTH_MEANS, headline, show_p
from mmn_ddx.errors import MAX_PROBLEMS_SHOWN, more_problems
from mmn_ddx.criteria import CriterionSet
from mmn_ddx.model import Assessment, Evidence, Family, WeighRule
from mmn_ddx.safetext import clean, has_unsafe, shorten
from mmn_ddx.vocabulary import TIER_LABELS, Vocabulary, show_value

BAR_WIDTH = 41
MAX_MESSAGE_CHARS = 2000  # an error message that echoes a huge value is cut
COLOUR = {"mmn": "green", "als": "red", "neither": "blue", "undecided": "yellow"}


def probability_bar(p_mmn: float, width: int = BAR_WIDTH) -> Text:
    """MMN on the left, ALS on the right; the marker sits at P(ALS) along the bar."""
    position = round((1 - p_mmn) * (width - 1))
    mmn_edge = round((1 - LEAN_MMN_AT) * (width - 1))
    als_edge = round((1 - LEAN_ALS_AT) * (width - 1))
    bar = Text("MMN ", style="bold green")
    for i in range(width):
        if i == position:
            bar.append("●", style="bold")
        elif i in (mmn_edge, als_edge):
            bar.append("┊", style="dim")
        else:
            bar.append("─", style="green" if i < mmn_edge else "red" if i > als_edge else "yellow")
    bar.append(" ALS", style="bold red")
    return bar


def _findings_text(findings: dict, vocab: Vocabulary) -> str:
    return "; ".join(f"{vocab.label(k)}: {vocab.show(k, v)}" for k, v in findings.items())


def _ratio(rule: WeighRule) -> str:
    text = f"{rule.likelihood_ratio:.1f}"
    if rule.capped:
        text += " (capped)"
    if rule.estimate:
        text += " (estimate)"
    return text


def assessment_view(a: Assessment, vocab: Vocabulary, criteria_panel=None) -> Group:
    parts: list = []
    stage = f" · through stage: {a.through_stage}" if a.through_stage else ""
    head = Text.assemble((a.title, "bold"), (f"\n{a.case_id}{stage}", "dim"))
    parts.append(head)
    verdict = Text.assemble(
        ("\n", ""),
        (LEANING_WORDS[a.leaning].upper(), f"bold {COLOUR[a.leaning]}"),
        (f"   P(MMN) = {show_p(a.p_mmn)}   P(ALS) = {show_p(1 - a.p_mmn)}   (prior P(MMN) = {a.prior:.2f})", ""),
    )
    if a.consider and a.consider[0].leads:
        parts.append(Text(f"\n{headline(a)}", style="bold magenta"))
    parts.append(verdict)
    parts.append(probability_bar(a.p_mmn))
    parts.append(Text(f"Leaning named at P ≥ {LEAN_MMN_AT:.2f} for one side; between the marks: undecided.", style="dim"))

    if a.evidence:
        table = Table(title="Evidence, strongest first", title_justify="left", expand=True, show_lines=True)
        table.add_column("Rule", ratio=2)
        table.add_column("Toward", no_wrap=True)
        table.add_column("LR", no_wrap=True, justify="right")
        table.add_column("Why", ratio=5)
        for e in a.evidence:
            table.add_row(*_evidence_row(e, vocab))
        parts.append(table)
    if a.shared:
        table = Table(title="Shared features: they raise the question, they do not answer it", title_justify="left", expand=True, show_lines=True)
        table.add_column("Feature", ratio=2)
        table.add_column("Why it does not separate MMN from ALS", ratio=6)
        for e in a.shared:
            table.add_row(Text(e.rule.title, style="blue"), e.rule.explanation)
        parts.append(table)
    if a.consider:
        lines = Text("Consider first\n" if a.consider[0].leads else "Consider also\n", style="bold")
        for c in a.consider:
            lines.append(f"• {c.label}", style="bold magenta")
            lines.append(f" ({c.strength} red flag)", style="magenta")
            lines.append(f" — because of {', '.join(vocab.label(f) for f in c.because)}.\n  {c.rules[0].why}\n")
        parts.append(lines)
    if criteria_panel is not None:
        parts.append(criteria_panel)
    for note in a.disagreement:
        parts.append(Text(f"Teaching moment: {note}", style="bold yellow"))
    if a.next_best:
        lines = Text("Next best findings\n", style="bold")
        for n in a.next_best:
            lines.append(f"• {vocab.label(n.finding)} ", style="bold cyan")
            lines.append(f"({n.finding}): {n.why}\n")
        parts.append(lines)
    for warning in a.warnings:
        parts.append(Text(f"Note: {warning}", style="yellow"))
    parts.append(Text(DISCLAIMER, style="bold dim"))
    return Group(*parts)


STATUS_MARK = {"met": ("✓", "green"), "failed": ("✗", "red"), "unknown": ("?", "yellow")}


def criteria_panel(a: Assessment, vocab: Vocabulary, full: bool = False):
    """Each criterion set: its category, its elements met (✓), failed (✗) and unknown (?)."""
    if not a.criteria_detail:
        return None
    table = Table(title="Formal criteria", title_justify="left", expand=True, show_lines=True)
    table.add_column("Criteria", ratio=2)
    table.add_column("Category", no_wrap=True)
    table.add_column("Elements", ratio=5)
    for set_id, detail in a.criteria_detail.items():
        name = Text(detail["title"], style="bold")
        name.append(f"\n{set_id}", style="dim")
        category = detail["category"]
        style = "yellow" if category == "insufficient_data" else "dim" if category in ("not_met", "excluded") else "bold"
        elements = Text()
        for e in detail["elements"]:
            if not full and e["status"] == "unknown" and e["part"] == "region":
                continue
            mark, colour = STATUS_MARK[e["status"]]
            elements.append(f"{mark} ", style=colour)
            elements.append(f"{e['title']}\n")
        if detail["undecided_categories"]:
            missing = ", ".join(vocab.label(f) for f in detail["missing_findings"][:6]) or "—"
            elements.append(f"Undecided: {', '.join(detail['undecided_categories'])}; missing: {missing}.\n", style="yellow")
        raise_with = detail.get("would_raise")
        if raise_with:
            elements.append(
                f"Would raise it: {vocab.label(raise_with['finding'])} = {show_value(raise_with['value'])} "
                f"→ {raise_with['category'].replace('_', ' ')}.",
                style="cyan",
            )
        table.add_row(name, Text(category.replace("_", " "), style=style), elements)
    return table


def _evidence_row(e: Evidence, vocab: Vocabulary) -> list:
    rule = e.rule
    name = Text(rule.title, style="bold")
    name.append(f"\n{rule.id}", style="dim")
    why = Text(rule.explanation)
    why.append(f"\nFindings: {_findings_text(e.findings, vocab)}", style="dim")
    if e.folded:
        folded = ", ".join(f.rule.title for f in e.folded)
        why.append(f"\nAlso fired, folded into this one (family '{rule.family}', one fact counted once): {folded}.", style="italic")
    ratio = _ratio(rule)
    if e.bounded:
        ratio = f"{math.exp(abs(e.log_odds)):.1f}"
        why.append(f"\nCounted at the family's joint figure, {ratio}, not its own {_ratio(rule)}: the whole picture weighs no more "
                   "than how often it is seen in each disease (rules show " + rule.id + ").", style="italic")
    label = "Source" if len(rule.sources) == 1 else "Sources"
    why.append(f"\n{label}: " + " · ".join(rule.sources), style="dim")
    return [name, Text(rule.toward.upper(), style=COLOUR[rule.toward]), ratio, why]


class IdTable:
    """A table of entries whose ids a learner types next: the ids are never folded or cut.

    When the console is wide enough for the longest id beside its text, a table; otherwise each
    entry stacked, its id on a line of its own and the rest indented below and wrapped."""

    def __init__(self, title: str, columns: list[tuple[str, dict]], rows: list[list]):
        self.title, self.columns, self.rows = title, columns, rows
        self.need = max((len(str(row[0])) for row in rows), default=0) + 24 * (len(columns) - 1) // 2 + 30

    def table(self) -> Table:
        table = Table(title=self.title, title_justify="left", expand=True)
        table.add_column(self.columns[0][0], no_wrap=True, style="bold")
        for name, options in self.columns[1:]:
            table.add_column(name, **options)
        for row in self.rows:
            table.add_row(*row)
        return table

    def __rich_console__(self, console, options):
        from rich.padding import Padding

        if options.max_width >= self.need:
            yield self.table()
            return
        yield Text(self.title, style="bold")
        for row in self.rows:
            yield Text(str(row[0]), style="bold", no_wrap=True, overflow="ignore")
            details = Text()
            for (name, _), cell in zip(self.columns[1:], row[1:]):
                if cell in ("", None):
                    continue
                if details:
                    details.append(" · ", style="dim")
                details.append(cell if isinstance(cell, Text) else Text(str(cell)))
            yield Padding(details, (0, 0, 0, 4))


def findings_table(vocab: Vocabulary) -> IdTable:
    rows = [[spec.id, spec.label + (" ★" if spec.since > 1 else ""), f"{spec.stage} ({TIER_LABELS[spec.tier]})",
             spec.allowed(), spec.description] for spec in vocab]
    return IdTable(f"Findings (the public vocabulary, version {vocab.version}; ★ added in version 2)",
                   [("Identifier", {}), ("Label", {"ratio": 2}), ("Stage", {"ratio": 2}), ("Values", {"ratio": 2}),
                    ("Meaning", {"ratio": 4})], rows)


def conditions_table(vocab: Vocabulary) -> IdTable:
    return IdTable("Conditions to consider (the ids `consider` and case diagnoses use)",
                   [("Identifier", {}), ("Condition", {"ratio": 3})],
                   [[condition, label] for condition, label in vocab.conditions.items()])


def rules_table(book) -> IdTable:
    rows = []
    for item in book.index().values():
        if isinstance(item, WeighRule):
            lr = "" if item.toward == "neither" else "LR " + _ratio(item)
            rows.append([item.id, "weigh", Text(item.toward, style=COLOUR[item.toward]), lr, item.family or "", item.title])
        elif isinstance(item, tuple):
            criterion_set, element = item
            rows.append([element.id, "criterion", criterion_set.id, "", "", element.title])
        elif isinstance(item, Family):
            joint = "" if item.joint is None else f"≤ {item.joint_bound:.1f}"
            rows.append([item.id, "family", "", joint, "", item.label])
        elif isinstance(item, CriterionSet):
            rows.append([item.id, "criteria", ", ".join(c.value for c in item.categories), "", "", item.title])
        else:
            rows.append([item.id, "consider", item.condition, "", "", item.title])
    return IdTable("Rules", [("Id", {}), ("Kind", {"min_width": 9}), ("Toward / names", {"ratio": 2}),
                             ("LR", {"justify": "right", "no_wrap": True}), ("Family", {"ratio": 2}),
                             ("Title", {"ratio": 4})], rows)


def _joint_figure(family: Family) -> Text:
    j = family.joint
    return Text(f"Joint figure: {j.of} — MMN {j.mmn:g}, ALS {j.als:g} (confidence {j.confidence}): "
                f"the family weighs at most {family.joint_bound:.1f} toward {family.joint_toward.upper()}.")


def rule_view(rule, book) -> Group:
    if isinstance(rule, CriterionSet):
        parts = [Text(rule.title, style="bold"), Text(f"{rule.id} · {rule.path}", style="dim"),
                 Text("Criterion set. Categories in the order they are tried (the first whose condition holds is the case's): "
                      + ", ".join(c.value for c in rule.categories) + f"; when none holds: {rule.missing_means}."),
                 Text("\nElements (each: mmn-ddx rules show ID):", style="bold")]
        parts += [Text(f"• {e.id} — {e.title} ({e.part})") for e in rule.elements]
        parts += [Text("\nSource:", style="bold"), Text(f"• {rule.source}")]
        return Group(*parts)
    if isinstance(rule, tuple):
        criterion_set, element = rule
        return Group(Text(element.title, style="bold"), Text(f"{element.id} · {criterion_set.path}", style="dim"),
                     Text(f"Criterion element ({element.part}) of {criterion_set.title} ({criterion_set.id})"),
                     Text(f"\n{element.explanation}"), Text("\nSource:", style="bold"), Text(f"• {criterion_set.source}"))
    if isinstance(rule, Family):
        members = [r for r in book.weigh if r.family == rule.id]
        parts = [Text(rule.label, style="bold"), Text(f"{rule.id} · evidence family (rules/families.yaml)", style="dim"),
                 Text(f"\n{rule.why}"), Text("\nCounted once in each direction, through its strongest member:", style="bold")]
        for member in members:
            parts.append(Text(f"• {member.id} — {member.title} ({member.toward}"
                              + (f", ratio {_ratio(member)})" if member.toward != "neither" else ")")))
        if rule.joint is not None:
            parts.append(Text("\n") + _joint_figure(rule))
            parts.append(Text("\nSources:", style="bold"))
            parts += [Text(f"• {source}") for source in rule.joint_sources]
        return Group(*parts)
    parts: list = [Text(rule.title, style="bold"), Text(f"{rule.id} · {rule.path}, line {rule.line}", style="dim")]
    if isinstance(rule, WeighRule):
        if rule.toward == "neither":
            parts.append(Text("Toward: neither (a shared feature: explained, not counted)", style="blue"))
        else:
            basis = ""
            if rule.frequency:
                f = rule.frequency
                side = "present" if f.applies == "present" else "absent (the ratio is (1 − MMN) / (1 − ALS))"
                basis = f"Frequency of {f.of}: MMN {f.mmn:g}, ALS {f.als:g}; applies when {side}; confidence {f.confidence}."
            elif rule.estimate:
                basis = f"Estimate (no figures in the sources): ratio {rule.estimate.ratio:g}. {rule.estimate.reasoning}"
            parts.append(Text(f"Toward: {rule.toward.upper()} · likelihood ratio {_ratio(rule)} · weight {rule.weight:.2f}", style=COLOUR[rule.toward]))
            parts.append(Text(basis))
        if rule.frequency is not None and rule.frequency.estimated:
            which = {"mmn": "The MMN figure is", "als": "The ALS figure is", "both": "Both figures are"}[rule.frequency.estimated]
            parts.append(Text(f"{which} a working estimate: {rule.frequency.estimate_reasoning}", style="yellow"))
        family = book.families.get(rule.family) if rule.family else None
        if family is not None:
            members = [r.id for r in book.weigh if r.family == family.id and r.toward != "neither"]
            parts.append(Text(f"\nFamily: {family.label} ({family.id}) — counted once in each direction", style="bold"))
            parts.append(Text(family.why, style="italic"))
            parts.append(Text("Members: " + ", ".join(members), style="dim"))
            if family.joint is not None:
                parts.append(_joint_figure(family))
                for source in family.joint_sources:
                    parts.append(Text(f"  • {source}", style="dim"))
        parts.append(Text(f"\n{rule.explanation}"))
        parts.append(Text(f"\nTeaching point: {rule.teaching_point}", style="bold"))
    else:
        parts.append(Text(f"Names: {rule.condition}" + (" (settles the diagnosis)" if rule.settles else f" · red flag: {rule.strength}")))
        parts.append(Text(f"\n{rule.why}"))
    parts.append(Text("\nSources:", style="bold"))
    for source in rule.sources:
        parts.append(Text(f"• {source}"))
    return Group(*parts)


class _Console(Console):
    """The one console: user text is never markup, and no control character reaches the terminal.

    Markup and emoji codes are off, so a student named '[link=…]' is shown as typed; the views
    build styled text with `Text`. Every segment drawn passes through `clean`, whatever view made
    it (rich's own styling travels apart from the text, as control segments and styles).
    """

    def __init__(self, **kwargs):
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def render(self, renderable, options=None):  # noqa: D102 - rich hook
        for segment in super().render(renderable, options):
            if segment.control is None and has_unsafe(segment.text):
                segment = Segment(clean(segment.text), segment.style)
            yield segment

    def on_broken_pipe(self) -> None:
        # The reader stopped early (`| head`): its choice, not a fault, so exit 0 (rich uses 1).
        import os
        import sys

        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0)


def make_console(stderr: bool = False, width: int | None = None) -> Console:
    return _Console(stderr=stderr, width=width, soft_wrap=False)


def teaching_moment(note: str) -> Text:
    return Text("Teaching moment: ", style="bold yellow") + Text(note)


def notice(text: str, style: str = "yellow") -> Text:
    """A line of plain text in one style (never read as markup)."""
    return Text(text, style=style)


def print_problems(console: Console, problems: Iterable) -> None:
    """One paragraph per problem, left for the terminal to wrap: the first 50, then how many more."""
    problems = list(problems)
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        console.print(Text("Error: ", style="bold red") + Text(shorten(str(problem), MAX_MESSAGE_CHARS)), soft_wrap=True)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        console.print(Text(more_problems(len(problems) - MAX_PROBLEMS_SHOWN), style="bold red"), soft_wrap=True)


# ----------------------------------------------------------------------------- what-if, cases, walk
def what_if_view(items, vocab: Vocabulary, leaning: str) -> Text:
    text = Text(f"What would change the leaning (now {LEANING_WORDS[leaning]})\n", style="bold")
    if not items:
        text.append("No one or two still-unknown findings would change it.\n", style="dim")
        return text
    for item in items:
        answers = " and ".join(f"{vocab.label(f)} = {show_value(v)}" for f, v in item.findings.items())
        ratios = ", ".join(f"{r.title} (LR {r.likelihood_ratio:.1f} toward {r.toward.upper()})" for r in item.rules)
        text.append(f"• {answers}", style="cyan")
        text.append(f" → P(MMN) {show_p(item.p_mmn)}, {LEANING_WORDS[item.leaning]}")
        text.append(f"\n    {ratios or 'through rules already counted'}\n", style="dim")
    return text


def cases_table(cases, reveal: bool = False) -> Table:
    table = Table(title=f"Case library ({len(cases)} cases)", title_justify="left", expand=True)
    table.add_column("Id", no_wrap=True, style="bold")
    table.add_column("Title", ratio=5)
    table.add_column("Level", justify="center", min_width=5)
    table.add_column("Stages", justify="right", min_width=6)
    if reveal:
        table.add_column("Diagnosis", ratio=2, overflow="fold")
    for case in cases:
        row = [case.id, case.title, "★" * (case.difficulty or 0), str(len(case.stages))]
        if reveal:
            row.append(case.diagnosis or "")
        table.add_row(*row)
    return table


def _findings_lines(findings: dict, vocab: Vocabulary) -> Text:
    text = Text()
    for finding, value in findings.items():
        text.append(f"  • {vocab.label(finding)}: ", style="bold")
        text.append(f"{vocab.show(finding, value)}\n")
    return text


def paragraphs(text: str) -> Text:
    """A narrative for rich to wrap at any width: the line breaks of a YAML literal block joined,
    blank lines kept as paragraph breaks (a hard break at 90 columns re-wrapped at 80 is ragged)."""
    import re

    parts = [" ".join(part.split()) for part in re.split(r"\n[ \t]*\n", text.strip()) if part.strip()]
    return Text("\n\n".join(parts))


def case_view(case, vocab: Vocabulary, reveal: bool = False) -> Group:
    # The source often names the diagnosis ("… EAN/PNS guideline on CIDP"): it waits for --reveal.
    parts: list = [Text(case.title, style="bold"), Text(f"{case.id} · difficulty {case.difficulty}", style="dim")]
    for number, stage in enumerate(case.stages, 1):
        parts.append(Text(f"\n{number}. {stage.name.capitalize()}", style="bold cyan"))
        if stage.narrative:
            parts.append(paragraphs(stage.narrative))
        if stage.follow_up:
            parts.append(Text(f"  • Follow-up, {stage.when}", style="cyan"))
        for change in stage.changes:
            parts.append(Text(f"  • Changed: {vocab.show_change(change)}", style="yellow"))
        if stage.unchanged_findings:
            parts.append(_findings_lines(stage.unchanged_findings, vocab))
    if reveal:
        parts.append(Text(f"\nDiagnosis: {case.diagnosis}", style="bold magenta"))
        if case.source:
            parts.append(Text(f"Source: {case.source}", style="dim"))
        for point in case.teaching_points:
            parts.append(Text(f"• {point}"))
    else:
        parts.append(Text("\n(The diagnosis is hidden; add --reveal to show it.)", style="dim"))
    return Group(*parts)


def stage_view(step, total: int, vocab: Vocabulary) -> Group:
    head = Text(f"Stage {step.index + 1} of {total}: {step.name}", style="bold cyan")
    follow_up = step.stage is not None and step.stage.follow_up
    if follow_up:
        head.append(f" (follow-up, {step.stage.when})", style="cyan")
    parts: list = [Text(""), head]
    if step.narrative:
        parts.append(paragraphs(step.narrative))
    if follow_up and step.stage.changes:
        text = Text("Changed since the earlier visit:\n", style="bold yellow")
        for change in step.stage.changes:
            text.append(f"  • {vocab.show_change(change)}\n")
        parts.append(text)
    shown = step.stage.unchanged_findings if follow_up else step.new_findings
    if shown:
        parts.append(Text("New findings:", style="bold"))
        parts.append(_findings_lines(shown, vocab))
    return Group(*parts)


def engine_step_view(step, vocab: Vocabulary, book) -> Group:
    a = step.assessment
    moved = a.p_mmn - step.previous_p
    arrow = "toward MMN" if moved > 0.005 else "toward ALS" if moved < -0.005 else "no change"
    parts: list = [
        Text.assemble(("The engine: ", "bold"), (LEANING_WORDS[a.leaning].upper(), f"bold {COLOUR[a.leaning]}"),
                      (f"   P(MMN) {show_p(step.previous_p)} → {show_p(a.p_mmn)} ({arrow})", "")),
        probability_bar(a.p_mmn),
    ]
    if step.changes:
        parts.append(Text("Why it moved (this stage's evidence; a rule in full: mmn-ddx rules show ID)", style="bold"))
        parts.append(changes_table(step.changes))
    if step.stage is not None and step.stage.teaching_point:
        parts.append(Text(f"What the change teaches: {step.stage.teaching_point}", style="bold yellow"))
    if a.consider and a.consider[0].leads:
        parts.append(Text(headline(a), style="bold magenta"))
        if a.consider[1:]:
            parts.append(Text("Consider also: " + ", ".join(c.label for c in a.consider[1:]), style="magenta"))
    elif a.consider:
        parts.append(Text("Consider also: " + ", ".join(c.label for c in a.consider), style="magenta"))
    if a.next_best and not step.last:
        best = a.next_best[0]
        parts.append(Text(f"Next best finding: {best.why}", style="cyan"))
    return Group(*parts)


def _arrow(before: float, after: float) -> str:
    return f"{show_p(before)} → {show_p(after)}"


WATERFALL_SPAN = 7.0  # the waterfall's axis runs from log-odds −7 to +7 (P(MMN) 0.001 to 0.999)


def waterfall_bar(before: float, after: float, width: int) -> Text:
    """One step of a log-odds waterfall: MMN on the left, as on the probability bar; the segment
    runs from P(MMN) before to P(MMN) after, with its head where the step ends."""
    from mmn_ddx.assessment import logit

    def column(p: float) -> int:
        x = max(-WATERFALL_SPAN, min(WATERFALL_SPAN, logit(min(max(p, 1e-9), 1 - 1e-9))))
        return round((WATERFALL_SPAN - x) / (2 * WATERFALL_SPAN) * (width - 1))

    start, end = column(before), column(after)
    bar = Text()
    low, high = min(start, end), max(start, end)
    style = "green" if after > before else "red" if after < before else "dim"
    for i in range(width):
        if start == end and i == end:
            still = abs(after - before) < 1e-9
            bar.append("●" if still else "◀" if after > before else "▶", style="bold" if still else f"bold {style}")
        elif i == end:
            bar.append("◀" if end < start else "▶", style=f"bold {style}")
        elif low <= i <= high:
            bar.append("━", style=style)
        else:
            bar.append("·", style="dim")
    return bar


def changes_table(changes, brief: bool = False, bar_width: int = 0) -> Table:
    """One line per rule that changed the weighing: direction and ratio, the rule with its teaching
    point and family, and P(MMN) before and after it. Folded rules and shared features follow.

    `brief` (assess --brief) keeps the teaching point of the three strongest lines only and sums
    up the folded rules and shared features in one line, to fit one screen. With `bar_width`, the
    last column is a log-odds waterfall (prior → each line → posterior) instead of "P → P"."""
    from mmn_ddx.explain import COUNTED, FOLDED, NO_LONGER, SHARED

    table = Table(box=None, show_header=False, expand=True, padding=(0, 1, 0, 0))
    table.add_column("Toward", no_wrap=True)
    table.add_column("Why", ratio=1)
    table.add_column("P(MMN)", no_wrap=True, justify="right")
    counted = [c for c in changes if c.kind in (COUNTED, NO_LONGER)]
    explained = {id(c) for c in sorted(counted, key=lambda c: -abs(c.log_odds))[:3]} if brief else {id(c) for c in counted}
    if bar_width and counted:
        first = counted[0].p_before
        table.add_row(Text("prior", style="dim"), Text(""), waterfall_bar(first, first, bar_width) + Text(f" {show_p(first):>6}"))
    quiet = []
    for c in changes:
        if c.kind in (COUNTED, NO_LONGER):
            side = "MMN" if c.log_odds > 0 else "ALS"
            toward = Text(f"{'↑' if c.log_odds > 0 else '↓'} {side} ×{c.ratio:.1f}", style=COLOUR[side.lower()])
            why = Text(c.rule.title, style="bold")
            if c.kind == NO_LONGER:
                why.append(" — no longer counts", style="italic")
            elif id(c) in explained:
                why.append(f" — {c.rule.teaching_point}")
            family = (f"family: {c.family}" if not brief else c.rule.family) if c.family else ""
            if c.into is not None and not brief:
                family += f"{'; ' if family else ''}replaces '{c.into.title}'"
            if c.bounded:
                family += f"{'; ' if family else ''}{'joint figure' if brief else 'held to the family' + chr(39) + 's joint figure'}"
            if family:
                why.append(f" [{family}]", style="dim")
            last = waterfall_bar(c.p_before, c.p_after, bar_width) + Text(f" {show_p(c.p_after):>6}") if bar_width \
                else _arrow(c.p_before, c.p_after)
            table.add_row(toward, why, last)
        else:
            quiet.append(c)
    if brief:
        folded = sum(1 for c in quiet if c.kind == FOLDED)
        shared = sum(1 for c in quiet if c.kind == SHARED)
        if folded or shared:
            table.add_row(Text("  also", style="dim"), Text(f"{folded} rule(s) folded into these families (one fact counted once), "
                                                           f"{shared} shared feature(s) not counted.", style="dim"), "")
        return table
    holders: dict = {}
    for c in quiet:
        if c.kind == FOLDED:
            holders.setdefault(c.into.title, []).append(c.rule.title)
    for holder, titles in holders.items():
        table.add_row(Text("  folded", style="dim"),
                      Text(f"{'; '.join(titles)} — folded into '{holder}', one fact counted once", style="dim"), "")
    shared = [c.rule.title for c in quiet if c.kind == SHARED]
    if shared:
        table.add_row(Text("  shared", style="blue"),
                      Text(f"{'; '.join(shared)} — shared by MMN and ALS, not counted", style="blue"), "")
    return table


BRIEF_BAR = 16


def brief_view(a: Assessment, vocab: Vocabulary, changes) -> Group:
    """`assess --brief`: the verdict, the bar, each counted family in one line, what to consider and ask next."""
    stage = f" · through stage: {a.through_stage}" if a.through_stage else ""
    parts: list = [Text.assemble((a.title, "bold"), (f"\n{a.case_id}{stage}", "dim"))]
    if a.consider and a.consider[0].leads:
        parts.append(Text(headline(a), style="bold magenta"))
    verdict = probability_bar(a.p_mmn, width=25)
    verdict.append("  ")
    verdict.append(LEANING_WORDS[a.leaning].upper(), style=f"bold {COLOUR[a.leaning]}")
    verdict.append(f"  P(MMN) {show_p(a.p_mmn)} (prior {a.prior:.2f})")
    parts.append(verdict)
    if changes:
        parts.append(Text("Why, from the prior (one line per counted family; waterfall: MMN ◀ ▶ ALS)", style="bold"))
        parts.append(changes_table(changes, brief=True, bar_width=BRIEF_BAR))
    if a.consider:
        words = "Consider first: " if a.consider[0].leads else "Consider also: "
        parts.append(Text(words + ", ".join(f"{c.label} ({c.strength})" for c in a.consider),
                          style="magenta"))
    if a.next_best:
        parts.append(Text("Ask next: " + ", ".join(vocab.label(n.finding) for n in a.next_best), style="cyan"))
    parts.append(Text(f"{DISCLAIMER} In full: rules show ID.", style="dim"))
    return Group(*parts)


def investigation_menu(options, vocab: Vocabulary) -> Text:
    text = Text("Which investigation or finding would you ask for next? (a number, an identifier, or Enter to skip)\n", style="bold")
    for number, option in enumerate(options, 1):
        text.append(f"  {number:>2}. {vocab.label(option.finding)} ", style="bold")
        text.append(f"({option.finding})\n", style="dim")
    return text


def investigation_feedback(feedback, vocab: Vocabulary) -> Text:
    if feedback.best_swing < 0.01:
        return Text(f"The case is already settled for the engine: no single finding, {vocab.label(feedback.chosen)} "
                    "included, is expected to change its log-odds of MMN by even 0.01.", style="dim")
    if feedback.chosen == feedback.best:
        return Text(f"Well chosen: {vocab.label(feedback.chosen)} was the most informative request "
                    f"(worth {feedback.best_swing:.2f}: {WORTH_MEANS}).", style="green")
    return Text(
        f"{vocab.label(feedback.chosen)} is worth {feedback.chosen_swing:.2f}; "
        f"the most informative request was {vocab.label(feedback.best)} (worth {feedback.best_swing:.2f}; {WORTH_MEANS}), "
        f"so your choice carried {feedback.share_of_best:.0%} of the best one's information.",
        style="yellow",
    )


def diagnoses_list(diagnoses) -> Text:
    text = Text("The diagnoses you may name (their ids; labels and abbreviations work too)\n", style="bold")
    for diagnosis, label in diagnoses.items():
        text.append(f"  {diagnosis}", style="bold")
        text.append(f"  {label}\n", style="dim")
    return text


VERDICT_WORDS = {
    "in_step": ("In step with the evidence", "green"),
    "more_certain": ("More certain than the evidence allowed", "yellow"),
    "less_certain": ("Less certain than the evidence allowed", "cyan"),
    "other_way": ("You lean the other way from the evidence", "yellow"),
}


VERDICT_SHORT = {"in_step": "in step", "more_certain": "more certain", "less_certain": "less certain",
                 "other_way": "other way", "other_conditions": "neither named"}


def call_text(call) -> str:
    """A call as the report shows it: 'mmn 0.70, als 0.30' or 'undecided'."""
    if call.leaning == "undecided" and call.distribution == {"mmn": 0.5, "als": 0.5}:
        return "undecided"
    items = sorted(((p, k) for k, p in call.distribution.items() if p > 0.0005), key=lambda x: (-x[0], x[1]))
    shown = [f"{k} {p:.2f}" for p, k in items[:4]]
    if len(items) > 4:
        shown.append(f"{len(items) - 4} more")
    return ", ".join(shown)


def call_feedback(call, comparison, a: Assessment) -> Text:
    """After the engine's view: how the call was read, and how it stands against the engine's P(MMN)."""
    text = Text("Your call, read as: ", style="bold")
    text.append(call_text(call) + "\n")
    if comparison is None:
        return text
    if comparison.verdict == "other_conditions":
        named = [d for d, p in call.distribution.items() if p > 0]
        flagged = [c.condition for c in a.consider if c.condition in named]
        text.append("You gave MMN and ALS nothing; the engine weighs only the two", style="cyan")
        text.append(f", and it names {', '.join(flagged).replace('_', ' ')} to consider too." if flagged
                    else ", and no red flag for what you named has fired yet.", style="cyan")
        return text
    words, style = VERDICT_WORDS[comparison.verdict]
    text.append(f"{words}: ", style=f"bold {style}")
    text.append(f"your P(MMN) {show_p(comparison.yours)} against the engine's {show_p(comparison.engine)} "
                f"(within MMN versus ALS; Brier distance {comparison.brier:.2f}).")
    if comparison.verdict == "more_certain":
        text.append(" A teaching point, not a fault: the findings so far do not carry that much weight.", style="italic")
    return text


def stage_waterfall(walk, width: int = 32) -> Table:
    """The walk as a log-odds waterfall: the prior, then each stage moving P(MMN) (MMN ◀ ▶ ALS)."""
    table = Table(title="How each stage moved P(MMN) (log-odds; MMN ◀ ▶ ALS)", title_justify="left",
                  box=None, show_header=False, padding=(0, 1, 0, 0))
    table.add_column("Stage", no_wrap=True)
    table.add_column("Bar", no_wrap=True)
    table.add_column("P(MMN)", no_wrap=True, justify="right")
    before = walk.prior
    table.add_row("prior", waterfall_bar(before, before, width), show_p(before))
    for record in walk.records:
        table.add_row(record.stage, waterfall_bar(before, record.p_mmn, width), show_p(record.p_mmn))
        before = record.p_mmn
    return table


def walk_report(walk, vocab: Vocabulary, final=None) -> Group:
    """The end of a walk: the reveal, the calls and scores, and (with `final`, the assessment of the
    whole case) its formal criteria and teaching moments; the disclaimer always comes last."""
    from mmn_ddx.walkthrough import SCORING_ABOUT

    case = walk.case
    parts: list = [Text(f"\nDiagnosis: {case.diagnosis.replace('_', ' ').upper() if case.diagnosis else 'not given'}"
                        f"  (case {case.id})", style="bold magenta")]
    if case.source:
        parts.append(Text(f"Source: {case.source}", style="dim"))
    if case.teaching_points:
        text = Text("Teaching points\n", style="bold")
        for point in case.teaching_points:
            text.append(f"• {point}\n")
        parts.append(text)
    table = Table(title="Your calls against the diagnosis and the engine's", title_justify="left", expand=True)
    table.add_column("Stage", overflow="fold")
    table.add_column("Your call", ratio=3)
    table.add_column("Engine", ratio=2)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("vs engine", ratio=2)
    table.add_column("Asked for", ratio=2)
    for record in walk.records:
        call = "—" if record.call is None else call_text(record.call)
        style = "" if record.call is None else "green" if record.call.leaning == case.diagnosis else "yellow"
        asked = vocab.label(record.investigation.chosen) if record.investigation else "—"
        score = "—" if record.brier is None else f"{record.brier:.2f}"
        versus = "—" if record.comparison is None else VERDICT_SHORT[record.comparison.verdict]
        engine = f"{LEANING_WORDS[record.engine]} ({show_p(record.p_mmn)})"
        table.add_row(record.stage, Text(call, style=style), engine, score, versus, asked)
    parts.append(table)
    parts.append(stage_waterfall(walk))
    score = walk.score()
    if score is not None:
        line = Text("Score: ", style="bold")
        if score["overall"] is not None:
            line.append(f"{score['overall']:.2f} over {score['stages_scored']} call(s), {score['final']:.2f} at the last; ")
        if score["against_engine"] is not None:
            line.append(f"{score['against_engine']:.2f} against the engine's view (MMN versus ALS).")
        parts.append(line)
        parts.append(Text(SCORING_ABOUT, style="dim"))
        summary = walk.summary()
        if summary["final_correct"] is not None:
            verdict = "right" if summary["final_correct"] else "not the diagnosis"
            parts.append(Text(f"Your last call, {summary['final_call'].replace('_', ' ')}: {verdict}.",
                              style="bold green" if summary["final_correct"] else "bold yellow"))
    for record in walk.records:
        if record.note:
            parts.append(Text(f"{record.stage}: {record.note}", style="bold yellow"))
    if final is not None:
        panel = criteria_panel(final, vocab)
        if panel is not None:
            parts.append(panel)
        parts += [teaching_moment(note) for note in final.disagreement]
    parts.append(Text(DISCLAIMER, style="bold dim"))
    return Group(*parts)
