"""Views of quizzes, answer keys and class reports in the terminal (rich); the printed versions are
mmn_ddx.documents.

Everything shown comes from mmn_ddx.quiz and mmn_ddx.classroom, which return plain data.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mmn_ddx import DISCLAIMER
from mmn_ddx.vocabulary import Vocabulary

KIND_TITLES = {
    "leaning": "Leaning",
    "discriminator": "Most discriminating finding",
    "criteria": "Formal criteria",
    "next_investigation": "Next investigation",
    "consider": "Condition to consider",
    "choice": "Multiple choice",
}
# The same kinds in a narrow table column, where the titles would break mid-word.
KIND_SHORT = {"leaning": "leaning", "discriminator": "discrim.", "criteria": "criteria",
              "next_investigation": "next test", "consider": "consider", "choice": "choice"}


# ----------------------------------------------------------------------------- taking a quiz
def quiz_header(paper, session_summary: dict | None = None) -> Group:
    quiz = paper.quiz
    parts: list = [Text(quiz.title, style="bold")]
    seed = "no seed (the file's order)" if paper.seed is None else f"seed {paper.seed}"
    parts.append(Text(f"{_questions(len(paper.items))} · {seed} · {paper.fingerprint}", style="dim"))
    if quiz.description:
        parts.append(Text(quiz.description))
    if session_summary and session_summary["done"]:
        parts.append(Text(f"Resuming: {session_summary['done']} of {session_summary['total']} already answered.", style="cyan"))
    parts.append(Text(DISCLAIMER, style="bold dim"))
    return Group(*parts)


def case_context(item, vocab: Vocabulary, from_stage: int = 0) -> Group:
    """The case as disclosed through the item's stage: narratives and findings (never its id)."""
    case = item.case
    parts: list = []
    if from_stage == 0:
        parts.append(Text(f"Case: {case.title}", style="bold magenta"))
    else:
        parts.append(Text(f"The same case, continued: {case.title}", style="bold magenta"))
    for number in range(from_stage, item.question.stage + 1):
        stage = case.stages[number]
        parts.append(Text(f"{number + 1}. {stage.name.capitalize()}", style="bold cyan"))
        if stage.narrative:
            parts.append(Text(" ".join(stage.narrative.split())))
        if stage.findings:
            findings = Text()
            for finding, value in stage.findings.items():
                findings.append(f"  • {vocab.label(finding)}: ", style="bold")
                findings.append(f"{vocab.show(finding, value)}\n")
            parts.append(findings)
    return Group(*parts)


def options_text(item) -> Text:
    text = Text()
    for i, option in enumerate(item.options):
        text.append(f"  {chr(97 + i)}) ", style="bold")
        text.append(f"{option.label}\n")
    return text


def question_view(item, total: int, vocab: Vocabulary, from_stage: int | None) -> Group:
    """One question: the case (from `from_stage`; None when it was just shown), the prompt, the options."""
    parts: list = [Text(""), Text(f"Question {item.number} of {total} · {KIND_TITLES[item.kind]}", style="bold reverse")]
    if item.case is not None:
        if from_stage is None:
            parts.append(Text(f"(The same case, through the {item.stage_name} stage.)", style="dim"))
        else:
            parts.append(case_context(item, vocab, from_stage))
    parts.append(Text(item.prompt, style="bold"))
    parts.append(options_text(item))
    return Group(*parts)


def feedback_view(graded) -> Text:
    item = graded.item
    letter = item.letter(item.right)
    if graded.correct:
        text = Text("✓ Right. ", style="bold green")
    elif graded.option is None:
        text = Text(f"– Skipped: the answer is {letter}) {item.right.label}. ", style="bold yellow")
    else:
        text = Text(f"✗ Not quite: the answer is {letter}) {item.right.label}. ", style="bold red")
    text.append(graded.feedback)
    if not graded.correct and item.teaching_point:
        text.append(f"\nTeaching point: {item.teaching_point}", style="italic")
    return text


def scripted_line(graded) -> Text:
    """A compact line for an answer read from an answers file."""
    item = graded.item
    mark, style = ("✓", "green") if graded.correct else ("–", "yellow") if graded.option is None else ("✗", "red")
    letter = item.letter(graded.option) if graded.option is not None else ""
    given = "skipped" if graded.option is None else f"{letter}) {graded.option.label}" if letter else graded.option.label
    text = Text(f"{mark} ", style=f"bold {style}")
    text.append(f"{item.number}. {item.id} ({item.kind}): {given}")
    if not graded.correct:
        text.append(f" — right: {item.letter(item.right)}) {item.right.label}", style="dim")
    return text


def review_view(pairs) -> Group:
    """Exam mode, at the end: every question with the answer given, the right one, and the explanation."""
    table = Table(title="Your answers", title_justify="left", expand=True, show_lines=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Question", ratio=3)
    table.add_column("Your answer", ratio=2)
    table.add_column("Right answer", ratio=2)
    table.add_column("", no_wrap=True)
    explanations = Text()
    for item, record in pairs:
        given = record["answer_label"] or "skipped"
        mark = Text("✓", style="bold green") if record["correct"] else Text("✗", style="bold red")
        table.add_row(str(item.number), item.prompt, given, record["right_label"], mark)
        if not record["correct"]:
            explanations.append(f"\n{item.number}. ", style="bold")
            explanations.append(record["feedback"])
            if record.get("teaching_point"):
                explanations.append(f"\n   Teaching point: {record['teaching_point']}", style="italic")
            explanations.append("\n")
    parts: list = [table]
    if explanations:
        parts.append(Text("Why", style="bold"))
        parts.append(explanations)
    return Group(*parts)


def summary_view(summary: dict) -> Text:
    text = Text(f"\nScore: {summary['correct']} of {summary['total']} ({summary['percent']:g} %)", style="bold")
    if summary.get("student"):
        text.append(f" · {summary['student']}")
    if summary.get("path"):
        text.append(f"\nResults saved in {summary['path']}.", style="dim")
    text.append(f"\n{DISCLAIMER}", style="bold dim")
    return text


def regrade_view(regraded) -> Text:
    """What a regrade did: the score before and after, and each question whose grade changed."""
    before, after = regraded.before, regraded.after
    who = f" of {regraded.student}" if regraded.student else ""
    text = Text(f"Regraded the answers{who} under the current rules: {before['correct']} of {before['total']} right "
                f"before, {after['correct']} of {after['total']} now ({after['percent']:g} %).", style="bold")
    if regraded.changed:
        text.append(f"\nChanged since they were graded: {'; '.join(regraded.changed)}.")
    elif regraded.recorded:
        text.append("\nThe rule book and cases are the ones that graded them.")
    else:
        text.append("\nThe file does not say which rules graded it (it was written before results recorded them).")
    for change in regraded.changes:
        given = change.answer or "skipped"
        mark, style = ("✓", "green") if change.now_correct else ("✗", "red")
        text.append(f"\n{mark} ", style=f"bold {style}")
        text.append(f"{change.id}: '{given}' was graded {'right' if change.was_correct else 'wrong'}, "
                    f"now {'right' if change.now_correct else 'wrong'} (right now: {change.right_label}).")
    if not regraded.changes:
        text.append("\nNo grade changed.")
    text.append(f"\nWrote {regraded.path}; {regraded.source} is unchanged.", style="dim")
    return text


# ----------------------------------------------------------------------------- the answer key
def key_view(key: dict) -> Group:
    parts: list = [Text(f"Answer key: {key['quiz']}", style="bold")]
    seed = "no seed" if key["seed"] is None else f"seed {key['seed']}"
    parts.append(Text(f"{_questions(len(key['questions']))} · {seed} · {key['fingerprint']} · mmn-ddx {key['tool_version']}", style="dim"))
    for q in key["questions"]:
        parts.append(Text(""))
        head = Text(f"{q['number']}. ", style="bold")
        head.append(q["prompt"], style="bold")
        head.append(f"  [{q['id']} · {q['kind']}" + (f" · {q['case']} through {q['stage']}" if q["case"] else "") + "]", style="dim")
        parts.append(head)
        options = Text()
        for option in q["options"]:
            style = "bold green" if option["value"] == q["answer"]["value"] else "green" if option["right"] else ""
            options.append(f"  {option['letter']}) {option['label']}" + ("  ✓" if option["right"] else "") + "\n", style=style)
        parts.append(options)
        parts.append(Text(q["explanation"]))
        extra = []
        if q["rule"]:
            extra.append(f"Rule: {q['rule']}")
        if q["teaching_point"]:
            extra.append(f"Teaching point: {q['teaching_point']}")
        if extra:
            parts.append(Text(" · ".join(extra), style="italic dim"))
    parts.append(Text(f"\n{key['disclaimer']}", style="bold dim"))
    return Group(*parts)


# ----------------------------------------------------------------------------- the class report
def histogram_view(bins, width: int = 30) -> Text:
    """Scores as horizontal bars, one per band of ten percent."""
    text = Text("Scores\n", style="bold")
    most = max((n for _, _, n in bins), default=0)
    for low, high, n in bins:
        bar = "█" * (round(width * n / most) if most else 0)
        text.append(f"  {low:>3}–{high:<3} % │ ", style="dim")
        text.append(bar, style="cyan")
        text.append(f" {n}\n" if n else "\n")
    return text


def class_report_view(report, top: int = 10) -> Group:
    parts: list = [Text(f"Class report: {report.quiz_title}", style="bold")]
    seeds = ", ".join("none" if s is None else str(s) for s in report.seeds)
    stats = f"{len(report.students)} students · {report.files_read} files read · seeds: {seeds} · {report.quiz_fingerprint}"
    if report.mean_percent is not None:
        stats += f" · mean {report.mean_percent:g} % · median {report.median_percent:g} %"
    parts.append(Text(stats, style="dim"))
    if report.mixes_rulebooks():
        parts.append(_rulebooks_note(report.rulebooks))

    parts.append(_StudentsTable(report.students))
    parts.append(histogram_view(report.histogram))

    parts.append(_items_table(report))

    if report.wrong_answers:
        table = Table(title="Most-chosen wrong answers", title_justify="left", expand=True, show_lines=True)
        table.add_column("Question", ratio=2, overflow="fold")
        table.add_column("Wrong answer", ratio=2, overflow="fold")
        table.add_column("Chosen", justify="right", no_wrap=True)
        table.add_column("Right answer", ratio=2, overflow="fold")
        table.add_column("The rule that explains it", ratio=2, overflow="fold")
        for w in report.wrong_answers[:top]:
            rule = Text(w.rule_title or "") if w.rule else Text("—", style="dim")
            if w.rule:
                rule.append(f"\n{w.rule}", style="dim")
            table.add_row(w.question, w.label, f"{w.count} ({w.share:.0%})", w.right_label, rule)
        parts.append(table)
    if report.missed_points:
        text = Text("Teaching points most missed\n", style="bold")
        for m in report.missed_points[:top]:
            text.append(f"  {m.misses}× ", style="bold red")
            text.append(f"{m.teaching_point}")
            text.append(f"  ({', '.join(m.questions)})\n", style="dim")
        parts.append(text)
    if report.dropped:
        text = Text("Duplicate submissions (not counted twice; the latest file by time counts)\n", style="bold yellow")
        for d in report.dropped:
            text.append(f"  • {d.path} ({d.student}, written {d.updated}) set aside for {d.kept}\n")
        parts.append(text)
    parts.append(Text(DISCLAIMER, style="bold dim"))
    return Group(*parts)


class _StudentsTable:
    """The students' scores. A name is folded, never cut, and never dropped with its column: two
    students of one family must stay told apart at any width. Too narrow for the table, each
    student is stacked: the name (folded) on its own line, the figures indented below."""

    NEED = 44  # the four figure columns and a name column of eight characters

    def __init__(self, students):
        self.students = students

    def __rich_console__(self, console, options):
        from rich.padding import Padding

        rows = [(s.shown_name, f"{s.correct}/{s.total}", f"{s.percent:g}", f"{s.answered}/{s.total}", s.path)
                for s in self.students]
        if options.max_width >= self.NEED:
            table = Table(title="Students", title_justify="left", expand=True)
            table.add_column("Student", ratio=2, min_width=8, overflow="fold")
            table.add_column("Score", justify="right", no_wrap=True)
            table.add_column("%", justify="right", no_wrap=True)
            table.add_column("Answered", justify="right", no_wrap=True)
            table.add_column("File", style="dim", ratio=1, overflow="fold")
            for row in rows:
                table.add_row(*row)
            yield table
            return
        yield Text("Students", style="bold")
        for name, score, percent, answered, path in rows:
            yield Text(name, style="bold", overflow="fold")
            yield Padding(Text(f"score {score} · {percent} % · answered {answered} · {path}", overflow="fold"), (0, 0, 0, 2))


def _items_table(report) -> Table:
    """Item analysis: per question, hardest first, its difficulty, discrimination and most chosen wrong answer."""
    table = Table(title="Questions, hardest first: share right (difficulty) and discrimination (point-biserial, "
                        "rest-score)", title_justify="left", expand=True)
    table.add_column("Question", ratio=4, overflow="fold")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Right", justify="right", no_wrap=True)
    table.add_column("Share", justify="right", no_wrap=True)
    table.add_column("Discr.", justify="right", no_wrap=True)
    table.add_column("Most chosen wrong answer", ratio=3, overflow="fold")
    for q in report.hardest_first():
        share = "—" if q.difficulty is None else f"{q.difficulty:.0%}"
        style = "" if q.difficulty is None else "red" if q.difficulty < 0.5 else "yellow" if q.difficulty < 0.8 else "green"
        question = Text(q.id, style="bold")
        if q.prompt:
            question.append(f"\n{_cut(q.prompt)}", style="dim")
        if q.negative_discrimination:
            question.append("\n⚠ negative discrimination: the stronger students did worse; check the question", style="bold red")
        discrimination = Text("—" if q.discrimination is None else f"{q.discrimination:+.2f}",
                              style="bold red" if q.negative_discrimination else "")
        table.add_row(question, KIND_SHORT.get(q.kind, q.kind) if q.kind else "—", f"{q.right}/{q.answered}", Text(share, style=style), discrimination,
                      _wrong_cell(q.most_chosen_wrong))
    return table


def _wrong_cell(wrong) -> Text:
    if wrong is None:
        return Text("—", style="dim")
    text = Text(f"{wrong.label} ({wrong.count})")
    if wrong.rule:
        text.append(f"\n{wrong.rule_title or wrong.rule}", style="dim")
    return text


def _rulebooks_note(groups) -> Text:
    """Results graded by another rule book than the current one, or by several: say so before any figure."""
    text = Text("", style="yellow")
    if len(groups) > 1:
        text.append(f"These results were graded by {len(groups)} rule books; the figures mix them.\n", style="bold yellow")
    for group in groups:
        which = ("the current rule book" if group.current else "a rule book not recorded (older files)"
                 if group.fingerprint is None else f"another rule book ({group.fingerprint})")
        text.append(f"  • {which}: {', '.join(group.students)}\n")
    if any(not group.current for group in groups):
        text.append("  'mmn-ddx quiz regrade FILE' grades a file's answers again under the current rules.\n")
    return text


def _cut(text: str, limit: int = 300) -> str:
    """A prompt as a report line shows it (the whole text is in the key)."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _questions(count: int) -> str:
    return f"{count} question" + ("" if count == 1 else "s")
