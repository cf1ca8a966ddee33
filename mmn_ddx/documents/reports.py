"""The class report as a printable page: the score histogram (SVG), the students, the item
analysis (each question's difficulty, discrimination and most-chosen wrong answer, hardest first,
a question with negative discrimination flagged), the most-chosen wrong answers with the rule
that explains each, and the teaching points most missed. Built from mmn_ddx.classroom.ClassReport."""

from __future__ import annotations

from mmn_ddx.documents.model import Document, Histogram, Item, ItemList, Paragraph, Section, Table

FLAG = "⚠"
ITEMS_NOTE = ("Difficulty is the share of students who got a question right. Discrimination is the point-biserial "
              "correlation between a question's mark and the student's score on the other questions: near 0 it tells the "
              f"strong from the weak no better than chance; negative ({FLAG}) means the stronger students did worse, so look "
              "at the question.")


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def _wrong(w) -> str:
    if w is None:
        return "—"
    return f"{w.label} ({w.count}×)" + (f"; the rule: {w.rule_title} ({w.rule})" if w.rule else "")


def _items(report) -> Section:
    ordered = report.hardest_first()
    rows = [[(f"{FLAG} " if q.negative_discrimination else "") + q.id, q.prompt or "", q.kind or "—", f"{q.right}/{q.answered}",
             _percent(q.difficulty), _signed(q.discrimination), _wrong(q.most_chosen_wrong)] for q in ordered]
    flagged = [q.id for q in ordered if q.negative_discrimination]
    blocks: list = [Paragraph(ITEMS_NOTE, style="small")]
    if flagged:
        blocks.append(Paragraph(", ".join(flagged), label=f"{FLAG} Negative discrimination:", style="verdict"))
    blocks.append(Table(["Question", "Prompt", "Kind", "Right", "Difficulty", "Discrimination", "Most-chosen wrong answer"], rows))
    return Section("Questions, hardest first (item analysis)", blocks)


def _rulebooks(report) -> Section | None:
    if not report.mixes_rulebooks():
        return None
    groups = report.rulebooks
    items = [Item(", ".join(g.students) or "—", label=f"{g.fingerprint or 'not recorded (older files)'}"
                  f"{' (the current rule book)' if g.current else ''}:") for g in groups]
    return Section("Rule books", [
        Paragraph("These results were not all graded by the current rule book, so the figures mix gradings. "
                  "'mmn-ddx quiz regrade RESULTS' grades a file again under the current rules.", style="verdict"),
        ItemList(items)])


def class_report(report, top: int = 10) -> Document:
    seeds = ", ".join("none" if s is None else str(s) for s in report.seeds)
    meta = f"{len(report.students)} students · {report.files_read} files read · seeds: {seeds} · {report.quiz_fingerprint}"
    if report.mean_percent is not None:
        meta += f" · mean {report.mean_percent:g} % · median {report.median_percent:g} %"
    students = Table(["Student", "Score", "%", "Answered"],
                     [[s.shown_name, f"{s.correct}/{s.total}", f"{s.percent:g}", f"{s.answered}/{s.total}"]
                      for s in report.students])
    sections = [section for section in (_rulebooks(report),) if section]
    sections += [Section("Scores", [Histogram(report.histogram, "Students per band of ten percent"), students]), _items(report)]
    if report.wrong_answers:
        sections.append(Section("Most-chosen wrong answers", [Table(
            ["Question", "Wrong answer", "Chosen", "Right answer", "The rule that explains it"],
            [[w.question, w.label, f"{w.count} ({w.share:.0%})", w.right_label,
              f"{w.rule_title} ({w.rule})" if w.rule else "—"] for w in report.wrong_answers[:top]])]))
    if report.missed_points:
        sections.append(Section("Teaching points most missed", [ItemList(
            [Item(f"{m.teaching_point} ({', '.join(m.questions)})", label=f"{m.misses}×") for m in report.missed_points[:top]])]))
    if report.dropped:
        sections.append(Section("Duplicate submissions", [
            Paragraph("Not counted twice; the latest file by time counts."),
            ItemList([Item(f"{d.path} ({d.student}, written {d.updated}) set aside for {d.kept}") for d in report.dropped])]))
    return Document("class-report", f"Class report: {report.quiz_title}", f"Class report: {report.quiz_title}",
                    meta=meta, sections=sections)
