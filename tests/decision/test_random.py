"""Random selection: reproducible from seed and id, at the configured rate, recorded as random."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from hub.decision import RandomSelection, RandomTable, draw, load_random_table, merge
from hub.decision.random import RandomRate
from hub.model.finding import FindingSource, RequestedChannel
from tests.decision.support import CHICKEN, NOW, context

SEED = b"test-seed"
ROUTED = {"customs": [], "police": [], "vet": []}


@given(st.binary(max_size=32), st.text(max_size=40))
def test_the_draw_is_reproducible_and_in_the_unit_interval(seed: bytes, ident: str) -> None:
    value = draw(seed, ident)
    assert 0 <= value < 1 and value == draw(seed, ident)


def test_an_auditor_rederives_the_draw_from_seed_and_id() -> None:
    digest = hmac.new(SEED, CHICKEN.id.encode(), hashlib.sha256).digest()
    assert draw(SEED, CHICKEN.id) == int.from_bytes(digest[:8], "big") / 2**64


def test_the_rate_over_20000_ids_is_the_configured_rate() -> None:
    rate = 0.05
    hits = sum(draw(SEED, f"DEC-{i:08d}") < rate for i in range(20_000))
    assert abs(hits / 20_000 - rate) < 0.006  # about four standard deviations


def test_the_most_specific_rate_wins() -> None:
    table = RandomTable(
        default_rate=0.05,
        rates=(
            RandomRate(procedure="40", rate=0.04),
            RandomRate(procedure="4000", rate=0.03),
            RandomRate(office="GB000060", rate=0.01),
            RandomRate(office="GB000060", procedure="40", rate=0.02),
        ),
    )
    assert table.rate_for(None, None) == 0.05
    assert table.rate_for("GB000051", "4071") == 0.04
    assert table.rate_for("GB000051", "4000") == 0.03
    assert table.rate_for("GB000060", "1000") == 0.01
    assert table.rate_for("GB000060", "4000") == 0.02


def test_a_selection_is_a_random_finding_and_flags_the_contract() -> None:
    table = RandomTable(default_rate=1.0, channel=RequestedChannel.YELLOW)
    decision = merge(CHICKEN, ROUTED, context=context(random=RandomSelection(table, SEED)), now=NOW)
    (found,) = decision.agencies["customs"].findings
    assert found.source is FindingSource.RANDOM and found.profile_id is None
    assert decision.random_selection and decision.to_contract()["random_selection"] is True
    assert not decision.released


def test_rate_zero_never_selects_and_the_sample_table_loads() -> None:
    never = RandomSelection(RandomTable(default_rate=0.0), SEED)
    assert never.select(CHICKEN) is None
    table = load_random_table()
    assert table.agency == "customs" and table.rate_for("GB000060", "4000") == 0.01
