"""The README's example and the public docstrings run as written."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import hapair

ROOT = Path(__file__).resolve().parent.parent


def test_readme_examples_run():
    failed, tried = doctest.testfile(str(ROOT / "README.md"), module_relative=False,
                                     optionflags=doctest.ELLIPSIS)
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
    text = (ROOT / "README.md").read_text()
    blocks = text.split("```")
    first = "bash setup.sh && .venv/bin/python -m hapair check"
    assert blocks[1].strip().startswith(first)
    assert blocks[3].strip() == ".venv/bin/python -m pytest"
    assert ".venv/bin/python -m pytest" in (ROOT / ".ci" / "run").read_text()


def test_readme_console_transcript_is_what_the_console_prints():
    import io
    import re

    from hapair.specs.vsg.console import main

    text = (ROOT / "README.md").read_text()
    block = re.search(r"```\n\$ printf '(.*?)' \| \.venv/bin/python -m hapair console\n"
                      r"(.*?)```", text, re.S)
    script, expected = block.group(1).encode().decode("unicode_escape"), block.group(2)
    out = io.StringIO()
    assert main([], stdin=io.StringIO(script), stdout=out) == 0
    assert out.getvalue() == expected


def test_readme_lists_the_specs_hapair_specs_prints(capsys):
    from hapair.cli import main

    assert main(["specs"]) == 0
    text = (ROOT / "README.md").read_text()
    block = text.split("`hapair specs` lists the built-in ones:\n\n```\n", 1)[1]
    assert block.split("```", 1)[0] == capsys.readouterr().out


def test_readme_property_table_is_the_spec_s_with_its_guide_sentences():
    from hapair.reports.text import properties_markdown

    text = (ROOT / "README.md").read_text()
    assert properties_markdown(hapair.load()) in text
