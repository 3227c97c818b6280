"""The practice's time-zone picker: canonical zones grouped by region with readable labels."""

from __future__ import annotations

import re

from app.practice.models import Practice
from app.practice.zones import canonical_from_zone_tab, selectable_zones, zone_groups, zone_label
from tests.web.conftest import Browser


def test_labels_put_the_place_first_and_keep_the_name():
    assert zone_label("Europe/London") == "London (Europe/London)"
    assert zone_label("America/New_York") == "New York (America/New_York)"
    assert zone_label("America/Argentina/Buenos_Aires") == "Buenos Aires, Argentina (America/Argentina/Buenos_Aires)"
    assert zone_label("UTC") == "UTC (UTC)"


def test_groups_by_region_in_order_and_leave_out_aliases_and_etc():
    groups = zone_groups(["Europe/Paris", "US/Eastern", "GB", "Etc/GMT+5", "America/New_York", "Europe/Berlin",
                          "Pacific/Auckland", "America/Adak", "UTC", "Europe/Paris"])
    assert [(g.region, [z.name for z in g.zones]) for g in groups] == [
        ("Americas", ["America/Adak", "America/New_York"]),
        ("Europe", ["Europe/Berlin", "Europe/Paris"]),
        ("Pacific", ["Pacific/Auckland"]),
    ]


def test_zone_tab_gives_the_canonical_names():
    tab = "# comment\nGB\t+513030-0000731\tEurope/London\nUS\t+404251-0740023\tAmerica/New_York\tEastern\n\n"
    assert canonical_from_zone_tab(tab) == {"Europe/London", "America/New_York"}


def test_this_machines_list_has_the_cities_and_no_legacy_names():
    names = {z.name for g in selectable_zones() for z in g.zones}
    assert {"Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Africa/Lagos"} <= names
    assert not names & {"US/Eastern", "GB", "Etc/GMT+5", "Asia/Calcutta", "UTC"}
    assert 300 < len(names) < 500  # the ~600 raw names, less aliases


def _options(html: str) -> list[tuple[str, str, bool]]:
    select = html[html.index('<select id="timezone"'):html.index("</select>", html.index('<select id="timezone"'))]
    return [(v, t, bool(s)) for v, s, t in re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', select)]


def test_settings_page_groups_the_zones_and_selects_the_saved_one(client, factory, db):
    owner = factory.owner()
    browser = Browser(client, owner)
    page = browser.get("/settings").text
    assert '<optgroup label="Europe">' in page and '<optgroup label="Americas">' in page
    options = _options(page)
    assert options[0] == ("UTC", "UTC (Coordinated Universal Time)", True)  # the default, at the top
    assert ("Europe/London", "London (Europe/London)", False) in options
    assert "US/Eastern" not in [v for v, _, _ in options]
    saved = browser.post("/settings", {"name": "Harbour", "timezone": "America/New_York"})
    assert saved.status_code == 200 and "Practice settings saved." in saved.text
    assert [v for v, _, s in _options(saved.text) if s] == ["America/New_York"]
    db.rollback()
    db.expire_all()
    assert db.get(Practice, owner.practice_id).timezone == "America/New_York"  # the IANA name is saved


def test_an_unknown_zone_is_a_field_message_and_the_saved_one_stays_selected(client, factory):
    owner = factory.owner()
    browser = Browser(client, owner)
    browser.post("/settings", {"name": "Harbour", "timezone": "Europe/Paris"})
    bad = browser.post("/settings", {"name": "Harbour", "timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert re.search(r'id="timezone-error">.*Unknown time zone', bad.text)
    assert 'aria-describedby="timezone-hint timezone-error" aria-invalid="true"' in bad.text
    assert [v for v, _, s in _options(bad.text) if s] == ["Europe/Paris"]


def test_an_alias_saved_through_the_api_is_shown_as_it_is(client, factory, db):
    owner = factory.owner()
    practice = db.get(Practice, owner.practice_id)
    practice.timezone = "US/Eastern"
    db.add(practice)
    db.commit()
    options = _options(Browser(client, owner).get("/settings").text)
    assert options[0] == ("US/Eastern", "US/Eastern (current)", True)
    assert [v for v, _, s in options if s] == ["US/Eastern"]
