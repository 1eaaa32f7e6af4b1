"""The spec generator (``specgen``): every spec it makes loads, a seed makes the same
spec every time, and a few hundred seeds reach every feature of docs/spec-format.md."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from specgen import FEATURES, features, spec_from_seed, specs

from hapair.spec import Spec, SpecError

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    report_multiple_bugs=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])
# An expected failure is not shrunk (minutes on specs this large); the example says enough.
UNSHRUNK = settings(SETTINGS, phases=(Phase.explicit, Phase.reuse, Phase.generate))

# The loader's one refusal of a docs-valid construct today: a conditional whose first
# branch is an enum literal where nothing has typed it yet (left of '==' / 'in', or right
# of a bare literal): "('a' if c else n1.door) != self.door". The docs allow it: an enum
# literal may stand on either side, and it belongs to the domain it is compared with.
LITERAL_FIRST = re.compile(r"literal '(\w+)' needs a variable to compare with in .*\('\1' if ")


@pytest.mark.xfail(strict=True, raises=SpecError, reason="the loader refuses an enum "
                   "literal as the first branch of an untyped conditional (LITERAL_FIRST)")
@UNSHRUNK
@given(specs())
def test_every_generated_spec_loads(spec):
    Spec.load(spec)


@SETTINGS
@given(specs())
def test_the_loader_refuses_nothing_else(spec):
    """The same specs, the known refusal aside: any other refusal or crash fails here."""
    try:
        Spec.load(spec)
    except SpecError as exc:
        if not LITERAL_FIRST.search(str(exc)):
            raise


def _dump(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True)


def test_a_seed_makes_the_same_spec_every_time_and_in_every_process():
    specs_ = {seed: _dump(spec_from_seed(seed)) for seed in (0, 1, 17, 12345)}
    assert all(_dump(spec_from_seed(seed)) == text for seed, text in specs_.items())
    assert all(json.loads(text) == spec_from_seed(seed) for seed, text in specs_.items())
    assert len({_dump(spec_from_seed(seed)) for seed in range(20)}) == 20
    code = "import json, specgen; print(json.dumps(specgen.spec_from_seed(17), sort_keys=True))"
    for hashseed in ("1", "2"):  # no set order leaks into a spec
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent, env=env,
                             capture_output=True, text=True, check=True).stdout
        assert out.strip() == specs_[17]


def test_three_hundred_seeds_reach_every_feature():
    seen: set[str] = set().union(*(features(spec_from_seed(seed)) for seed in range(300)))
    assert not set(FEATURES) - seen, sorted(set(FEATURES) - seen)
