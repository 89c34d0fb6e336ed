"""The data maps' API writes its answers by a plan (`catalog.api.representation`) rather than DRF's serializers: for
the demo org's named consumers, with and without their live values, the plan's answer is DRF's, key for key."""

from __future__ import annotations

import json

import pytest

from catalog.api.representation import represent
from catalog.datamaps import disclosures, services
from catalog.datamaps.api import DataMapSerializer, DeletionPreviewSerializer
from catalog.datamaps.lookup import GivenIdentifier
from harvesters.models import OrgConnection
from lineage.identifiers import IdentifierKind
from tests.catalog.accounts.people import privacy_officer
from tests.catalog.datamaps.consumers import AMARA_EMAIL, MATEO_EMAIL, REASON, ZORA_EMAIL

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed


@pytest.mark.parametrize("email", [ZORA_EMAIL, MATEO_EMAIL, AMARA_EMAIL], ids=["zora", "mateo", "amara"])
@pytest.mark.parametrize("include_values", [False, True], ids=["map", "with-values"])
def test_a_named_consumers_answers_by_the_plan_are_drfs_key_for_key(live_demo: OrgConnection, email: str,
                                                                   include_values: bool):
    asker = services.Asker(actor=privacy_officer("dsar-tool"), reason=REASON)
    result = services.look_up(asker, [GivenIdentifier("emails.0", IdentifierKind.EMAIL, email)],
                              include_values=include_values)
    preview = disclosures.deletion_preview(result.data_map)

    assert result.data_map.recipients
    assert (result.values is not None) == include_values
    assert json.dumps(represent(DataMapSerializer, result)) == json.dumps(DataMapSerializer(result).data)
    assert json.dumps(represent(DeletionPreviewSerializer, preview)) == json.dumps(
        DeletionPreviewSerializer(preview).data)
