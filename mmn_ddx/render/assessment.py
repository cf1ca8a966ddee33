"""The engine's view of one case: the probability bar, the evidence, the formal criteria, what
would change the leaning, and the changes as a table or a log-odds waterfall."""

from __future__ import annotations

import math

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mmn_ddx import DISCLAIMER
from mmn_ddx.assessment import LEAN_ALS_AT, LEAN_MMN_AT, LEANING_WORDS, headline, p_equals, show_p
from mmn_ddx.model import Assessment, Evidence
from mmn_ddx.render.console import COLOUR
from mmn_ddx.vocabulary import Vocabulary, show_value

BAR_WIDTH = 41


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


def assessment_view(a: Assessment, vocab: Vocabulary, criteria_panel=None) -> Group:
    parts: list = []
    stage = f" · through stage: {a.through_stage}" if a.through_stage else ""
    head = Text.assemble((a.title, "bold"), (f"\n{a.case_id}{stage}", "dim"))
    parts.append(head)
    verdict = Text.assemble(
        ("\n", ""),
        (LEANING_WORDS[a.leaning].upper(), f"bold {COLOUR[a.leaning]}"),
        (f"   {p_equals(a.p_mmn)}   {p_equals(1 - a.p_mmn, 'P(ALS)')}   (prior P(MMN) = {a.prior:.2f})", ""),
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
    ratio = rule.ratio_words()
    if e.bounded:
        ratio = f"{math.exp(abs(e.log_odds)):.1f}"
        why.append(f"\nCounted at the family's joint figure, {ratio}, not its own {rule.ratio_words()}: the whole picture weighs no more "
                   "than how often it is seen in each disease (rules show " + rule.id + ").", style="italic")
    label = "Source" if len(rule.sources) == 1 else "Sources"
    why.append(f"\n{label}: " + " · ".join(rule.sources), style="dim")
    return [name, Text(rule.toward.upper(), style=COLOUR[rule.toward]), ratio, why]


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
