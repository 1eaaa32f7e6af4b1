"""docs/guide-audit.md stays true: every statement of the guide it lists stands in the guide
where it says, every test, property, page and file it cites exists, every console
transcript it quotes is still what the console prints, and its counts are its table's.

The guide is not part of the repository; ``HAPAIR_GUIDE`` names the text the audit's line
numbers refer to (by default the copy the issues cite), pinned by its SHA-256.  Without it
the quote checks are skipped, and say so; everything else runs.
"""

from __future__ import annotations

import ast
import hashlib
import io
import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from hapair.specs import load
from hapair.specs.vsg.console import main

ROOT = Path(__file__).resolve().parent.parent
AUDIT = ROOT / "docs" / "guide-audit.md"
GUIDE = Path(os.environ.get("HAPAIR_GUIDE") or Path(__file__).resolve().parents[2] /
             "shared" / "seeds" / "000_7477561a526a0b86.txt")  # ../shared beside the clone
GUIDE_SHA256 = "b6d7b160b6dfe1950b3abd6b9bfac61a538241da2912b4e3b1a0720373c0825f"
NEAR = 2  # a quote may start this many lines before or after its stated line

VERDICTS = ("faithful", "partial", "contradiction-of-the-guide (documented)", "silent")
CONTRADICTIONS = "docs/vsg.md#where-the-guide-contradicts-itself"

_ROW = re.compile(r"^\| L(\d+) \| (.+?) \| (.+?) \| (.*?) ?\|$")
_CONSOLE = re.compile(r"console( --standalone)? `([^`]+)` shows `([^`]+)`")
_TEST = re.compile(r"^(tests/[\w/]+\.py)::(\w+)$")
_DOC = re.compile(r"^(docs/[\w-]+\.md)#([\w-]+)$")
_FILE = re.compile(r"^(specs|spec|docs|tests)/[\w/.-]+$")
_PROPERTY = re.compile(r"^[A-Z]\w+$")


@dataclass(frozen=True)
class Row:
    line: int
    quote: str
    verdict: str   # one of VERDICTS
    reason: str    # after "partial:" or "silent:"
    evidence: str

    def __str__(self) -> str:
        return f"L{self.line} {self.quote[:50]!r}"


def rows() -> list[Row]:
    """The table's rows, in order."""
    found = []
    for text in AUDIT.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(text)
        if match:
            line, quote, verdict, evidence = match.groups()
            name, _, reason = verdict.partition(":")
            found.append(Row(int(line), quote.strip(), name.strip(), reason.strip(),
                             evidence.strip()))
    return found


ROWS = rows()


def flat(text: str) -> str:
    """The guide's words as a reader sees them: bold and HTML markup dropped, every run
    of white space one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", text.replace("**", "")).replace("&#124;", "|").split())


@cache
def guide_lines() -> list[str]:
    if not GUIDE.is_file():
        pytest.skip(f"the guide is not at {GUIDE} (set HAPAIR_GUIDE to its text)")
    data = GUIDE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == GUIDE_SHA256, (
        f"{GUIDE} is not the text the audit's line numbers refer to")
    return data.decode("utf-8").splitlines()


def evidence_items(row: Row) -> tuple[list[tuple[bool, str, str]], list[str]]:
    """The row's console transcripts ``(standalone, commands, shown)`` and its other
    cited names (each between backquotes)."""
    transcripts = [(bool(s), c, shown) for s, c, shown in _CONSOLE.findall(row.evidence)]
    return transcripts, re.findall(r"`([^`]+)`", _CONSOLE.sub("", row.evidence))


@cache
def functions(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(node.name for node in tree.body if isinstance(node, ast.FunctionDef))


@cache
def anchors(path: str) -> frozenset[str]:
    """GitHub's anchors of a page's headings."""
    text = (ROOT / path).read_text(encoding="utf-8")
    return frozenset(re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
                     for title in re.findall(r"^#+ (.+)$", text, flags=re.M))


@cache
def property_names() -> frozenset[str]:
    return frozenset(load("vsg").properties)


def console(commands: str, standalone: bool) -> str:
    out = io.StringIO()
    script = "".join(f"{command.strip()}\n" for command in commands.split(";"))
    assert main(["--standalone"] if standalone else [], stdin=io.StringIO(script),
                stdout=out) == 0
    return " ".join(out.getvalue().split())


def check_cited(name: str) -> str | None:
    """What is wrong with one cited name, or None."""
    if match := _TEST.match(name):
        path, test = match.groups()
        if not (ROOT / path).is_file():
            return f"{path} does not exist"
        return None if test in functions(path) else f"{path} has no function {test}"
    if match := _DOC.match(name):
        path, anchor = match.groups()
        if not (ROOT / path).is_file():
            return f"{path} does not exist"
        return None if anchor in anchors(path) else f"{path} has no section #{anchor}"
    if _FILE.match(name):
        return None if (ROOT / name).is_file() else f"{name} does not exist"
    if _PROPERTY.match(name):
        return None if name in property_names() else f"the VSG spec has no property {name}"
    return f"{name!r} is no test, property, page, file or console transcript"


# -- the table -----------------------------------------------------------------------------

def test_the_table_lists_the_guide_from_beginning_to_end():
    assert len(ROWS) >= 106  # issue 24 counts 106 statements; this list is finer
    lines = [row.line for row in ROWS]
    assert lines == sorted(lines)
    assert len({(row.line, row.quote) for row in ROWS}) == len(ROWS), "a row is listed twice"


def test_every_table_line_is_a_row():
    """A line of the table the parser does not read would be a row nobody checks."""
    table = [line for line in AUDIT.read_text(encoding="utf-8").splitlines()
             if line.startswith("| L")]
    assert len(table) == len(ROWS)


def test_the_counts_are_the_tables():
    text = AUDIT.read_text(encoding="utf-8")
    said = re.search(r"\*\*(\d+) faithful, (\d+) partial, (\d+) contradiction-of-the-guide "
                     r"\(documented\), (\d+) silent\*\* \((\d+) statements\)", text)
    assert said, "the introduction does not give the counts"
    counts = Counter(row.verdict for row in ROWS)
    assert [int(n) for n in said.groups()] == [counts[v] for v in VERDICTS] + [len(ROWS)]


def test_each_verdict_is_one_of_four_and_says_why_when_not_faithful():
    wrong = [str(row) for row in ROWS if row.verdict not in VERDICTS
             or bool(row.reason) != (row.verdict in ("partial", "silent"))]
    assert wrong == []


# -- the guide says it ---------------------------------------------------------------------

def said_near(lines: list[str], row: Row) -> bool:
    """The row's quote starts on a line of the guide within NEAR of its stated line (it
    may run on over the next NEAR lines)."""
    quote = flat(row.quote)
    return any(quote in flat(" ".join(lines[n - 1:n + NEAR])) and
               quote not in flat(" ".join(lines[n:n + NEAR]))
               for n in range(max(1, row.line - NEAR), min(len(lines), row.line + NEAR) + 1))


def test_the_guide_says_each_statement_at_its_line():
    lines = guide_lines()
    assert [str(row) for row in ROWS if not said_near(lines, row)] == []


# -- the evidence exists ---------------------------------------------------------------------

def test_each_statement_but_a_silent_one_has_evidence():
    assert [str(row) for row in ROWS
            if row.verdict != "silent" and evidence_items(row) == ([], [])] == []


def test_each_cited_test_property_page_and_file_exists():
    problems = [f"{row}: {problem}" for row in ROWS for name in evidence_items(row)[1]
                if (problem := check_cited(name))]
    assert problems == []


def test_a_documented_contradiction_points_to_where_it_is_documented():
    assert [str(row) for row in ROWS if row.verdict.startswith("contradiction")
            and CONTRADICTIONS not in evidence_items(row)[1]] == []


TRANSCRIPTS = [(row, *t) for row in ROWS for t in evidence_items(row)[0]]


@pytest.mark.parametrize(("row", "standalone", "commands", "shown"), TRANSCRIPTS,
                         ids=[f"{t[0]} {t[2][:30]}" for t in TRANSCRIPTS])
def test_the_console_prints_what_the_row_says(row, standalone, commands, shown):
    # On a partial row the transcript is what is still wrong: once it is fixed, this
    # fails, and the row's verdict must be looked at again.
    assert " ".join(shown.split()) in console(commands, standalone)


# -- the checks themselves can fail ------------------------------------------------------------

def test_the_checks_catch_a_missing_test_property_page_or_file():
    assert check_cited("tests/test_console.py::test_no_such_test")
    assert check_cited("tests/test_no_such_file.py::test_x")
    assert check_cited("NoSuchProperty")
    assert check_cited("docs/vsg.md#no-such-section")
    assert check_cited("specs/vsg/no_such.tsv")
    assert check_cited("a loose phrase")
    assert check_cited("NoDualActive") is None
    assert check_cited(CONTRADICTIONS) is None


def test_the_quote_check_catches_a_wrong_line_and_a_wrong_word():
    lines = guide_lines()
    quote = "Power the Cisco VSG off before reconnecting it as standby."
    assert said_near(lines, Row(191, quote, "faithful", "", ""))
    assert not said_near(lines, Row(191 + NEAR + 1, quote, "faithful", "", ""))
    assert not said_near(lines, Row(191, quote.replace("off", "down"), "faithful", "", ""))
