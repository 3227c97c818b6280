"""The Trust Rebuilding Inventory v2, the couples intake v3 and the check-in v2, as shipped."""

from __future__ import annotations

import pytest

from app.instruments.catalog import default_catalog
from app.instruments.models import PREFER_NOT

V1_ITEMS = {
    "transparency": ["tr1", "tr2", "tr3", "tr4", "tr5"],
    "commitment": ["cm1", "cm2", "cm3", "cm4", "cm5"],
}


def test_the_new_versions_are_the_latest_and_the_old_ones_stay_readable() -> None:
    catalog = default_catalog()
    assert catalog.latest("trust-rebuilding").version == 2
    assert catalog.latest("couples-intake").version == 3
    assert catalog.latest("session-checkin").version == 2
    assert catalog.get("trust-rebuilding", 1).item("es4").text.startswith("I feel afraid of my partner, or")


def test_inventory_v2_subscales_a_counselor_can_read() -> None:
    trust, v1 = default_catalog().get("trust-rebuilding", 2), default_catalog().get("trust-rebuilding", 1)
    assert set(v1.subscales) < set(trust.subscales)  # every v1 id kept
    assert {"dependability", "repair", "recovery", "sexual_trust"} <= set(trust.subscales)
    for sid, subscale in trust.subscales.items():
        assert len(subscale.items) >= 3, sid
        assert subscale.provisional, sid
        assert [band.label for band in subscale.bands] == ["Low", "Mixed", "Strong"]
    # Same construct, same items: these histories line up across versions; the others don't.
    for sid, items in V1_ITEMS.items():
        assert trust.subscales[sid].items == v1.subscales[sid].items == items
        assert all(trust.item(i).text == v1.item(i).text for i in items)
    for sid in set(v1.subscales) - set(V1_ITEMS):
        assert trust.subscales[sid].items != v1.subscales[sid].items, sid
    assert len(trust.subscales["sexual_trust"].items) >= 3


def test_an_item_id_never_changes_its_words() -> None:
    trust, v1 = default_catalog().get("trust-rebuilding", 2), default_catalog().get("trust-rebuilding", 1)
    old = {item.id: item.text for item in v1.items}
    for item in trust.items:
        if item.id in old:
            assert item.text == old[item.id], item.id
    # The double-barrelled items of v1 are gone, replaced by single questions with new ids.
    for split in ("ac3", "co3", "co4", "co5", "em5", "es4"):
        assert split not in {item.id for item in trust.items}


def test_safety_stands_apart_from_every_subscale() -> None:
    trust = default_catalog().get("trust-rebuilding", 2)
    safety = trust.indicators["safety"]
    in_subscales = {i for subscale in trust.subscales.values() for i in subscale.items}
    assert safety.items == ["sf1", "sf2", "sf3", "sf4"]
    assert not set(safety.items) & in_subscales
    assert safety.condition == ("at_least", 4)
    assert trust.item("sf1").text == "I feel afraid of my partner."
    assert trust.item("sf2").text == "I feel unsafe at home."
    for item_id in safety.items:
        item = trust.item(item_id)
        assert item.prefer_not and item.reverse  # negative wording, reverse keyed
        rules = {(r.condition, r.severity) for r in trust.flags if r.item == item_id}
        assert (("at_least", 4), "high") in rules  # concern and flag agree
        assert (("equals", PREFER_NOT), "medium") in rules  # a declined safety question is asked about
        assert trust.told_on_save(item_id)
    assert trust.guarded_subscales() == ["emotional_safety", "sexual_trust"]  # both say guarded: true
    # v1 needs no marking: its fear item es4 (a high-severity rule) sits inside Emotional safety.
    assert default_catalog().get("trust-rebuilding", 1).guarded_subscales() == ["emotional_safety"]


def test_sensitive_inventory_items_offer_prefer_not() -> None:
    trust = default_catalog().get("trust-rebuilding", 2)
    declinable = {item.id for item in trust.items if item.prefer_not}
    assert set(trust.subscales["sexual_trust"].items) <= declinable
    assert {"rp4", "rc1", "rc3"} <= declinable
    assert not trust.item("rp4").required  # "leave this blank if no one else was involved"


def test_check_in_v2_feeds_the_safety_indicator() -> None:
    catalog = default_catalog()
    v1, v2 = catalog.get("session-checkin", 1), catalog.get("session-checkin", 2)
    assert [(i.id, i.text) for i in v1.items] == [(i.id, i.text) for i in v2.items]
    safety = v2.indicators["safety"]
    assert safety.items == ["felt_safe"] and safety.condition == ("at_most", 2)
    assert v2.item("felt_safe").prefer_not and v2.item("felt_safe").required
    assert v1.indicators == {}


NEW_INTAKE_ITEMS = {
    # danger markers
    "safety_choked": "high",
    "safety_weapon": "high",
    "safety_threat_kill": "high",
    # the client's own behaviour
    "safety_own_hurt": "high",
    "safety_own_threatened": "high",
    "safety_own_frightened": "high",
    # children
    "safety_children_worry": "high",
    "safety_children_witnessed": "high",
    # substance use
    "safety_own_alcohol": "medium",
    "safety_own_drugs": "medium",
    # v2's double-barrelled questions, split
    "safety_hurt": "high",
    "safety_threatened": "high",
    "safety_sexual_pressured": "high",
    "safety_control_money": "high",
    "safety_control_phone": "high",
    "safety_control_movements": "high",
}


@pytest.mark.parametrize(("item_id", "severity"), sorted(NEW_INTAKE_ITEMS.items()))
def test_intake_v3_safety_screen(item_id: str, severity: str) -> None:
    intake = default_catalog().get("couples-intake", 3)
    item = intake.item(item_id)
    assert item in intake.section("safety").items and item.type == "yes_no" and item.prefer_not
    # One question at a time: the only "or"s join two words for the same thing.
    same_thing = ("a knife or a gun", "choked or strangled", "seen or heard")
    assert " or " not in item.text.replace(same_thing[0], "").replace(same_thing[1], "").replace(same_thing[2], "")
    rules = [r for r in intake.flags if r.item == item_id]
    assert [(r.condition, r.severity) for r in rules] == [(("equals", True), severity)]


def test_intake_v3_keeps_v2_safety_behaviour() -> None:
    intake = default_catalog().get("couples-intake", 3)
    self_harm = next(r for r in intake.flags if r.item == "safety_self_harm")
    assert self_harm.support and self_harm.severity == "high" and self_harm.raised_on_save
    # Danger markers reach the counselor on save; one's own behaviour waits for "Send".
    assert all(intake.told_on_save(i) for i in ("safety_choked", "safety_weapon", "safety_threat_kill"))
    assert not any(intake.told_on_save(i) for i in ("safety_own_hurt", "safety_own_threatened"))
    assert not intake.item("safety_ok_to_contact").prefer_not
    safety_ids = {item.id for item in intake.section("safety").items}
    assert all(rule.item in safety_ids or rule.item == "still_going_on" for rule in intake.flags)
    assert {item.id for item in intake.section("safety").items} <= {rule.item for rule in intake.flags}
