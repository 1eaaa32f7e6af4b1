"""The README and the docs say what the code does: their examples run as written, and the
figures and outputs they quote are the ones the code gives."""

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import hapair

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MAX_README_LINES = 300


def _run_doctests(path: Path, monkeypatch) -> tuple[int, int]:
    monkeypatch.chdir(ROOT)  # the docs name files relative to the clone
    return doctest.testfile(str(path), module_relative=False,
                            optionflags=doctest.ELLIPSIS)


def test_readme_examples_run(monkeypatch):
    failed, tried = _run_doctests(README, monkeypatch)
    assert tried > 0 and failed == 0


DOCS_WITH_EXAMPLES = sorted(p.name for p in DOCS.glob("*.md") if ">>>" in p.read_text())


def test_the_docs_have_examples():
    assert {"api.md", "checker.md", "runtime.md"} <= set(DOCS_WITH_EXAMPLES)


@pytest.mark.parametrize("name", DOCS_WITH_EXAMPLES)
def test_docs_examples_run(name, monkeypatch):
    failed, tried = _run_doctests(DOCS / name, monkeypatch)
    assert tried > 0 and failed == 0


SUBPACKAGES = ("spec", "specs", "model", "runtime", "checker", "reports", "diagrams")


def _modules() -> list[str]:
    """Every module of the package, by name (its subpackages live in top-level folders of
    their own: ``pyproject.toml``'s package-dir), but ``python -m hapair``'s entry."""
    names = ["hapair", "hapair.cli", "hapair.validate_args"]
    for sub in SUBPACKAGES:
        package = importlib.import_module(f"hapair.{sub}")
        names.append(package.__name__)
        names += [info.name for info in pkgutil.walk_packages(package.__path__,
                                                               f"{package.__name__}.")]
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name):
    """Every ``>>>`` in the package runs (what ``--doctest-modules`` does, over the
    package's own module names)."""
    failed, _ = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert failed == 0


def test_readme_opens_with_the_two_commands():
    text = README.read_text()
    blocks = text.split("```")
    first = "bash setup.sh && .venv/bin/python -m hapair check"
    assert blocks[1].strip().startswith(first)
    assert blocks[3].strip() == ".venv/bin/python -m pytest"
    assert ".venv/bin/python -m pytest" in (ROOT / ".ci" / "run").read_text()


def test_readme_is_a_front_door():
    """At most 300 lines; the reference is in docs/, every page of it linked."""
    text = README.read_text()
    assert len(text.splitlines()) <= MAX_README_LINES
    for page in sorted(DOCS.glob("*.md")):
        assert f"](docs/{page.name}" in text, f"the README does not link docs/{page.name}"
    assert "](CHANGELOG.md)" in text


def _local_links(path: Path) -> list[tuple[str, Path]]:
    """Every relative link of a markdown file, with the file it points to."""
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text())
    return [(link, (path.parent / link).resolve()) for link in links
            if not re.match(r"[a-z]+:", link)]


@pytest.mark.parametrize("name", ["README.md", "CHANGELOG.md"]
                         + [f"docs/{p.name}" for p in sorted(DOCS.glob("*.md"))])
def test_links_point_to_files_that_exist(name):
    missing = [link for link, target in _local_links(ROOT / name) if not target.exists()]
    assert not missing, f"{name} links to missing files: {missing}"


# Paths and names of the layout before 8b976c5: nothing in the README or the docs names
# them as today's (the changelog says where each went).
OLD_NAMES = ("spec/vsg.py", "model/runtime.py", "model/node.py", "model/lab.py",
             "hapair/nodeproc.py", "hapair/console.py", "checker/report.py",
             "diagrams/report.py", "hapair.spec.load", "hapair.model.runtime",
             "hapair.model.node", "hapair.model.lab", "hapair.nodeproc", "hapair.console",
             "hapair.checker.report", "hapair.diagrams.report", "specs/vrrp.toml",
             "specs/trio.yaml", "add_property(")


@pytest.mark.parametrize("name", ["README.md"] + [f"docs/{p.name}"
                                                  for p in sorted(DOCS.glob("*.md"))])
def test_no_old_path_or_api_is_named(name):
    text = (ROOT / name).read_text()
    assert [old for old in OLD_NAMES if old in text] == []


def test_console_transcript_is_what_the_console_prints():
    import io

    from hapair.specs.vsg.console import main

    text = (DOCS / "vsg.md").read_text()
    block = re.search(r"```\n\$ printf '(.*?)' \| \.venv/bin/python -m hapair console\n"
                      r"(.*?)```", text, re.S)
    script, expected = block.group(1).encode().decode("unicode_escape"), block.group(2)
    out = io.StringIO()
    assert main([], stdin=io.StringIO(script), stdout=out) == 0
    assert out.getvalue() == expected


def test_readme_lists_the_specs_hapair_specs_prints(capsys):
    from hapair.cli import main

    assert main(["specs"]) == 0
    text = README.read_text()
    block = text.split("`hapair specs` lists the built-in ones:\n\n```\n", 1)[1]
    assert block.split("```", 1)[0] == capsys.readouterr().out


def test_readme_counterexample_is_what_check_prints(capsys, tmp_path):
    """The tour's counterexample: each line it quotes is one the check prints (the
    terminal may wrap a long line: compared with white space folded)."""
    from hapair.cli import main

    text = README.read_text()
    block = text.split("$ .venv/bin/python -m hapair check --property DualActiveOnPartition\n",
                       1)[1].split("```", 1)[0]
    quoted = [line for line in block.splitlines() if line.strip() not in ("", "...")]
    assert main(["check", "--property", "DualActiveOnPartition", "--engine", "explicit",
                 "--out", str(tmp_path)]) == 0
    printed = " ".join(capsys.readouterr().out.replace(str(tmp_path), "out").split())
    at = 0
    for line in quoted:  # each in the order the README quotes it
        found = printed.find(" ".join(line.split()), at)
        assert found >= 0, f"not printed (or not in this order): {line}"
        at = found + 1


def test_vsg_property_table_is_the_spec_s_with_its_guide_sentences():
    from hapair.reports.text import properties_markdown

    text = (DOCS / "vsg.md").read_text()
    assert properties_markdown(hapair.load()) in text


def _flat(path: Path) -> str:
    """A page's text with every run of white space one space (claims cross lines)."""
    return " ".join(path.read_text().split())


def test_docs_name_the_limits_the_code_has():
    """The figures of the reference that are constants of the code."""
    from hapair import mutate, specs
    from hapair.checker import files, symbolic
    from hapair.checker.run import WHOLE_PRODUCT
    from hapair.model.slicing import STUTTER_CHECK
    from hapair.spec import checks, lang, schema

    checker = _flat(DOCS / "checker.md")
    assert f"over {files.MAX_INPUT >> 20} MiB" in checker
    assert f"over {specs.MAX_SPEC_BYTES >> 20} MiB" in checker
    assert f"0..{checks.MAX_BOUND}" in checker
    assert f"longer than {checks.NAME_MAX}" in checker
    assert f"longer than {lang.MAX_CHARS:,} characters" in checker
    assert f"more than {lang.MAX_DEPTH} levels deep" in checker
    assert f"other than 1 to {schema.MAX_NODES}" in checker
    assert f"{mutate.EQUIVALENCE_LIMIT:,} states" in checker
    assert f"{symbolic.spacer.SPACER_RLIMIT:,} units" in checker
    assert f"{STUTTER_CHECK:,} of them" in checker
    assert WHOLE_PRODUCT == 1 << 20 and "at most 2^20 potential states" in checker
    limits = _flat(DOCS / "limits.md")
    assert f"at most {schema.MAX_NODES} (`MAX_NODES`" in limits
    spec_format = _flat(DOCS / "spec-format.md")
    assert f"at most {specs.MAX_SPEC_BYTES >> 20} MiB" in spec_format


def test_the_conformance_suite_is_as_the_docs_say():
    """Which specs the conformance suite runs, and with which backends."""
    import ast

    source = (ROOT / "tests" / "test_conformance.py").read_text()
    tree = ast.parse(source)
    ranges = {}
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        for deco in fn.decorator_list:
            if isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "parametrize":
                arg = deco.args[1]
                if isinstance(arg, ast.Call) and getattr(arg.func, "id", "") == "range":
                    ranges[fn.name] = tuple(ast.literal_eval(a) for a in arg.args)
    assert ranges["test_a_generated_spec_conforms"] == (30,)
    assert ranges["test_a_generated_spec_conforms_slow"] == (30, 330)
    assert ranges["test_spin_stores_the_reference_states_of_a_generated_spec"] == (3,)
    assert ranges["test_spin_stores_the_reference_states_of_a_generated_spec_slow"] == (3, 103)
    assert "z3=seed < 8)" in source and "z3=seed < 130)" in source
    assert '"330:10330"' in source
    text = _flat(DOCS / "checker.md")
    regressions = len(list((ROOT / "tests" / "regressions").glob("*.json")))
    for claim in (f"the {regressions} specs of `tests/regressions/`",
                  "seeds 0..29", "z3 on the first 8, SPIN on the first 3",
                  "seeds 30..329", "z3 on seeds 30..129, SPIN on seeds 3..102",
                  "seeds 330..10329"):
        assert claim in text, claim
