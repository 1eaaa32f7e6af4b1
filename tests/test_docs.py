"""The README's example and the public docstrings run as written."""

import doctest
from pathlib import Path

import pytest

import hapair.model.node
import hapair.model.product
import hapair.model.runtime
import hapair.spec
import hapair.spec.reference
import hapair.specs

ROOT = Path(__file__).resolve().parent.parent


def test_readme_examples_run():
    failed, tried = doctest.testfile(str(ROOT / "README.md"), module_relative=False,
                                     optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failed == 0


@pytest.mark.parametrize("module", [hapair.spec, hapair.spec.reference, hapair.specs,
                                    hapair.model.product,
                                    hapair.model.runtime, hapair.model.node])
def test_docstring_examples_run(module):
    failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failed == 0


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

    from hapair.console import main

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
    from hapair.checker.report import properties_markdown

    text = (ROOT / "README.md").read_text()
    assert properties_markdown(hapair.spec.load()) in text
