"""The reader on the seed article, against its hand reading (the seed ledger's current
anchored attributions): most of the hand reading's quotes proposed, and the four outlets the
Global Times relays (the BBC, El Peruano, teleSUR as "Venezuela's Southern Television",
Gestión as "Peru's Business Daily") proposed as outlets read via the Global Times."""

from ledger import Ledger
from ledger.suggest.evaluate import score_seed

RELAYED = {
    "The British Broadcasting Corporation (BBC)": "BBC",
    "El Peruano": "El Peruano",
    "Venezuela's Southern Television": "teleSUR",
    "Peru's Business Daily": "Gestión",
}


def test_most_of_the_hand_readings_quotes_are_proposed(seed_ledger):
    with Ledger(seed_ledger) as ledger:
        scored = score_seed(ledger)
    assert scored["hand_quotes"] == 20
    assert scored["share"] >= 0.7, scored


def test_the_four_relayed_outlets_are_proposed_via_the_global_times(seed_ledger):
    with Ledger(seed_ledger) as ledger:
        scored = score_seed(ledger)
        assert set(scored["relayed_outlets"]) >= {f"{outlet} via Global Times" for outlet in RELAYED}
        for printed, canonical in RELAYED.items():  # the ledger resolves each as printed, by its aliases
            resolved = ledger.conn.execute("SELECT canonical FROM entities WHERE name = ?", (printed,)).fetchone()
            assert resolved == (canonical,)
