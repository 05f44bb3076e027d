"""What grading writes for people: the CSV of scores, the summary table, and each student's feedback."""

import csv
import html
import statistics
from pathlib import Path

from autograder.grade import Result
from autograder.submission import terminal_safe

# what makes a spreadsheet read a field as a formula (OWASP's CSV injection list)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A text field from a submission as the CSV holds it: escaped for a terminal (the file may be
    printed), and prefixed with `'` where a spreadsheet would take it for a formula."""
    text = terminal_safe(text, len(text), one_line=True)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def shown(text: str, limit: int = 2000) -> str:
    """A field from a submission (a student id, a message, flags) as the terminal gets it."""
    return terminal_safe(text, limit, one_line=True)


def write_csv(path: Path, results: list[Result]) -> None:
    """One row per student, one column per graded cell, then the total, the status and the flags."""
    test_ids = list(dict.fromkeys(cell.grade_id for result in results for cell in result.cells))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", *test_ids, "total", "max_score", "status", "seconds", "flags"])
        for result in sorted(results, key=lambda r: r.student):
            scores = {cell.grade_id: cell.score for cell in result.cells}
            row = [f"{scores.get(grade_id, 0.0):g}" for grade_id in test_ids]
            flags = spreadsheet_safe(" | ".join(result.flags))
            totals = [f"{result.score:g}", f"{result.max_score:g}", result.status, f"{result.seconds:.3f}"]
            writer.writerow([spreadsheet_safe(result.student), *row, *totals, flags])


def table(results: list[Result]) -> str:
    """Score, status and flags of each student, one line each."""
    lines = [f"{'student':<12}{'score':>14}  {'status':<11}flags"]
    for r in results:
        flags = shown("; ".join(r.flags), 110)
        lines.append(f"{shown(r.student):<12}{r.score:>7g} / {r.max_score:<4g}  {r.status:<11}{flags}")
    return "\n".join(lines)


def summary(results: list[Result], isolation: str = "") -> str:
    scores = [r.score for r in results]
    failures = [r for r in results if r.status != "graded"]
    flagged = [r for r in results if r.flags]
    lines = [
        f"{'students':<10}{len(results):>8}",
        f"{'mean':<10}{statistics.fmean(scores) if scores else 0:>8.1f}",
        f"{'failures':<10}{len(failures):>8}   (missing, unreadable or refused submissions)",
        f"{'flagged':<10}{len(flagged):>8}   (possible tampering: see the CSV)",
    ]
    if isolation:
        lines.append(isolation)
    for result in failures:
        lines.append(f"  {shown(result.student)}: {result.status}: {shown(result.message)}")
    for result in flagged:
        lines.append(f"  {shown(result.student)}: flagged: {shown('; '.join(result.flags))}")
    return "\n".join(lines)


def feedback_html(result: Result) -> str:
    """A page for the student: scores and what failed, never hidden test code or expected values."""
    rows = "".join(
        f"<tr class='{c.outcome}'><td>{html.escape(c.grade_id)}</td><td>{c.score:g} / {c.points:g}</td>"
        f"<td>{html.escape(c.outcome)}</td><td><pre>{html.escape(c.feedback)}</pre></td></tr>"
        for c in result.cells
    )
    notes = (
        f"<p>Problems while running your cells: <pre>{html.escape(result.message)}</pre></p>" if result.message else ""
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(result.assignment)}: feedback</title>
<style>body{{font-family:sans-serif;margin:2em}}td{{padding:.3em .8em;vertical-align:top}}
.passed{{background:#e8f5e9}}.failed,.error,.timeout,.not{{background:#ffebee}}pre{{white-space:pre-wrap;margin:0}}</style>
</head><body>
<h1>{html.escape(result.assignment)}: {result.score:g} / {result.max_score:g}</h1>
<p>Student: {html.escape(result.student)}. Status: {html.escape(result.status)}. {html.escape(result.message) if result.status != "graded" else ""}</p>
{notes}
<table><tr><th>test</th><th>score</th><th>outcome</th><th>what went wrong</th></tr>{rows}</table>
</body></html>
"""


def write_feedback(path: Path, result: Result) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(feedback_html(result))
