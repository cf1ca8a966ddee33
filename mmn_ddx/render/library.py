"""The library as reference: findings, conditions, rules and cases, listed and shown one by one."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mmn_ddx.criteria import CriterionSet
from mmn_ddx.model import Family, WeighRule, paragraphs
from mmn_ddx.render.console import COLOUR
from mmn_ddx.vocabulary import TIER_LABELS, Vocabulary


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
            lr = "" if item.toward == "neither" else "LR " + item.ratio_words()
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
                              + (f", ratio {member.ratio_words()})" if member.toward != "neither" else ")")))
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
            parts.append(Text(f"Toward: {rule.toward.upper()} · likelihood ratio {rule.ratio_words()} · weight {rule.weight:.2f}", style=COLOUR[rule.toward]))
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


def findings_lines(findings: dict, vocab: Vocabulary) -> Text:
    text = Text()
    for finding, value in findings.items():
        text.append(f"  • {vocab.label(finding)}: ", style="bold")
        text.append(f"{vocab.show(finding, value)}\n")
    return text


def narrative_text(text: str) -> Text:
    """A narrative for rich to wrap at any width (a hard break at 90 columns re-wrapped at 80 is ragged)."""
    return Text("\n\n".join(paragraphs(text)))


def case_view(case, vocab: Vocabulary, reveal: bool = False) -> Group:
    # The source often names the diagnosis ("… EAN/PNS guideline on CIDP"): it waits for --reveal.
    parts: list = [Text(case.title, style="bold"), Text(f"{case.id} · difficulty {case.difficulty}", style="dim")]
    for number, stage in enumerate(case.stages, 1):
        parts.append(Text(f"\n{number}. {stage.name.capitalize()}", style="bold cyan"))
        if stage.narrative:
            parts.append(narrative_text(stage.narrative))
        if stage.follow_up:
            parts.append(Text(f"  • Follow-up, {stage.when}", style="cyan"))
        for change in stage.changes:
            parts.append(Text(f"  • Changed: {vocab.show_change(change)}", style="yellow"))
        if stage.unchanged_findings:
            parts.append(findings_lines(stage.unchanged_findings, vocab))
    if reveal:
        parts.append(Text(f"\nDiagnosis: {case.diagnosis}", style="bold magenta"))
        if case.source:
            parts.append(Text(f"Source: {case.source}", style="dim"))
        for point in case.teaching_points:
            parts.append(Text(f"• {point}"))
    else:
        parts.append(Text("\n(The diagnosis is hidden; add --reveal to show it.)", style="dim"))
    return Group(*parts)
