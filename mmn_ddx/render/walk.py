"""A walk through a case: each stage, the engine's step, the investigation asked for, the learner's
call against the engine, and the report at the end."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mmn_ddx import DISCLAIMER
from mmn_ddx.assessment import LEANING_WORDS, headline, show_p
from mmn_ddx.model import Assessment
from mmn_ddx.next_best import WORTH_MEANS
from mmn_ddx.render.assessment import changes_table, criteria_panel, probability_bar, waterfall_bar
from mmn_ddx.render.console import COLOUR, teaching_moment
from mmn_ddx.render.library import findings_lines, narrative_text
from mmn_ddx.vocabulary import Vocabulary


def stage_view(step, total: int, vocab: Vocabulary) -> Group:
    head = Text(f"Stage {step.index + 1} of {total}: {step.name}", style="bold cyan")
    follow_up = step.stage is not None and step.stage.follow_up
    if follow_up:
        head.append(f" (follow-up, {step.stage.when})", style="cyan")
    parts: list = [Text(""), head]
    if step.narrative:
        parts.append(narrative_text(step.narrative))
    if follow_up and step.stage.changes:
        text = Text("Changed since the earlier visit:\n", style="bold yellow")
        for change in step.stage.changes:
            text.append(f"  • {vocab.show_change(change)}\n")
        parts.append(text)
    shown = step.stage.unchanged_findings if follow_up else step.new_findings
    if shown:
        parts.append(Text("New findings:", style="bold"))
        parts.append(findings_lines(shown, vocab))
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
    summary = walk.summary()
    score = summary["score"]
    if score is not None:
        line = Text("Score: ", style="bold")
        if score["overall"] is not None:
            line.append(f"{score['overall']:.2f} over {score['stages_scored']} call(s), {score['final']:.2f} at the last; ")
        if score["against_engine"] is not None:
            line.append(f"{score['against_engine']:.2f} against the engine's view (MMN versus ALS).")
        parts.append(line)
        parts.append(Text(SCORING_ABOUT, style="dim"))
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
