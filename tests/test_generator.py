"""The project keeps its own copy of the yardsticks' record generator, so that a clone
without `../shared` can run every test; where the yardstick is at hand, the copy is it."""

from pathlib import Path

import pytest

from .helpers import GEN_CLAIMS, ROOT, gen_claims

YARDSTICK = ROOT.parent / "shared" / "bench" / "gen_claims.py"


def test_the_generator_is_deterministic(tmp_path):
    assert gen_claims(tmp_path / "a.jsonl", 50, seed=3) == gen_claims(tmp_path / "b.jsonl", 50, seed=3)


@pytest.mark.skipif(not YARDSTICK.exists(), reason="no ../shared/bench beside this clone")
def test_the_copy_is_the_yardstick():
    assert Path(GEN_CLAIMS).read_bytes() == YARDSTICK.read_bytes()
