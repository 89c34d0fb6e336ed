"""The CCPA disclosures cover the 12 months before the as-of date: an activity a later full harvest retired is still
disclosed (a real harvest twice: the simulator over HTTPS, real Neo4j), though the record as of now no longer has it."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.records import services
from catalog.records.disclosures import disclosures_of
from harvesters.models import OrgConnection
from tests.catalog.records.conftest import edit_manifest, harvest

pytestmark = pytest.mark.django_db(transaction=True)  # the harvests' runs are bookkept, then flushed

OLD_PURPOSE = "Brokerage account servicing and partner marketing"
NEW_PURPOSE = "Brokerage account servicing"
BROKERAGE = "Quillstone Brokerage Platform"


def test_an_activity_a_later_harvest_retired_is_still_disclosed_for_the_last_12_months(
        harvested_twice_setup: tuple[OrgConnection, Path]):
    org, manifests = harvested_twice_setup
    harvest(org)
    edit_manifest(manifests, f"purpose: {OLD_PURPOSE}", f"purpose: {NEW_PURPOSE}")

    harvest(org)

    now = {each.activity.name for each in services.record_of("demo").activities}
    made = disclosures_of("demo")
    assert OLD_PURPOSE not in now
    assert NEW_PURPOSE in now
    assert len(made.moments) >= 3  # the window's start, the second full harvest's start, now
    to_brokerage = [each for each in made.sold_or_shared if BROKERAGE in each.recipients]
    assert {OLD_PURPOSE, NEW_PURPOSE} <= {name for each in to_brokerage for name in each.activities}
    identifiers = next(each for each in made.purposes if each.category == "identifiers")
    assert OLD_PURPOSE in identifiers.said
