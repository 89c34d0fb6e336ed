"""The data maps of the demo org's named consumers (salesforce_simulator/orgs/demo.yaml, its manifest and scenarios),
harvested whole into the real Neo4j engine through the simulator over HTTPS: each one's records, categories,
recipients, consents, readers and retention, and each one's gap — Zora Quinn's processing opt-out still carried by
the nightly trading sync, Mateo Alvarez's late mobile opt-out, Amara Okoye's email opt-out ignored by the balance
alert — and none where the controls hold (Grace Liu's enrichment, her opt-out relayed on time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from catalog.classification.models import NOT_PERSONAL
from catalog.classification.services import override_field, withdraw_override
from catalog.datamaps.maps import (
    ConsentHeld,
    DataMap,
    GapKind,
    RecipientFlow,
    SubjectNotFoundError,
    data_map_of,
    flow_gaps,
    late_opt_out_gaps,
)
from catalog.records.activities import Evidence
from harvesters.models import OrgConnection
from lineage import subject_key
from lineage.queries.datamaps import ConsentEventFact
from tests.catalog.accounts.people import privacy_officer
from tests.catalog.datamaps.consumers import ZORA_EMAIL, subject_holding

pytestmark = pytest.mark.django_db(transaction=True)  # the demo harvest's run is bookkept, then flushed

ZORA, MATEO, GRACE, HANK, AMARA = ("0PK8d0ZoraQuinnGCB", "0PK8d00MateoAlvGEE", "0PK8d00GraceLiuGEE",
                                   "0PK8d00HankPritGEC", "0PK8d0AmaraOkoyGCC")  # their Individuals
TRADING = "system:api.trading-platform.example.com"
TRADING_SYNC = "integration:00D8d0GoldPoppyECB:apex_class:TradingPlatformNightlySync"
TRADING_ENTRY = ("integration:00D8d0GoldPoppyECB:manifest:"
                 "golden_poppy_integrations#trading_platform.nightly_customer_sync")
TRADING_ENTRY_EVIDENCE = "manifest:golden_poppy_integrations.yaml#trading_platform/nightly_customer_sync"
BALANCE_ALERT = "integration:00D8d0GoldPoppyECB:flow:Balance_Alert_Email"
ENRICHMENT = "system:api.enrichment-vendor.example.com"
MOBILE = "system:mobile-api.goldenpoppy.test"


def map_of(individual_id: str) -> DataMap:
    return data_map_of(subject_holding(individual_id))


def test_a_map_holds_their_record_ids_per_object_and_never_a_value(demo: OrgConnection):
    zora = map_of(ZORA)

    held = {each.sobject: each.record_ids for each in zora.records}
    assert held["Account"] == ("0018d0ZoraQuinnACB",)
    assert held["Contact"] == ("0038d0ZoraQuinnACB",)
    assert held["Individual"] == (ZORA,)
    assert set(held["ContactPointTypeConsent"]) == {"0ZY8d000ZoraMktGIE", "0ZY8d00ZoraCredGEC", "0ZY8d0ZoraAnlytGCB",
                                                    "0ZY8d0ZoraFraudGCB"}
    assert all(each.org_key == "org:00D8d0GoldPoppyECB" for each in zora.records)
    assert ZORA_EMAIL not in repr(zora)
    assert "555" not in repr(zora)  # no phone number either


def test_the_categories_held_per_object_come_from_field_classification(demo: OrgConnection):
    zora = map_of(ZORA)

    categories = {(held.sobject, each.category): each.fields for held in zora.records for each in held.categories}
    assert "PersonEmail" in categories["Account", "identifiers"]
    assert "Email" in categories["Contact", "identifiers"]
    assert "BirthDate" in categories["Individual", "protected_characteristics"]
    assert {"identifiers", "protected_characteristics", "inferences"} <= set(zora.categories)
    assert all(evidence.artefact == "describe:Account" for held in zora.records if held.sobject == "Account"
               for each in held.categories for evidence in each.evidence)


def test_recipients_are_the_systems_their_objects_fields_flow_to_with_role_country_and_checks(demo: OrgConnection):
    zora = map_of(ZORA)

    trading = next(each for each in zora.recipients if each.integration_key == TRADING_SYNC)
    assert (trading.system_key, trading.name, trading.role, trading.country) == (
        TRADING, "Quillstone Brokerage Platform", "third_party", "US")
    assert {"Account.PersonEmail", "Account.PersonBirthdate"} <= set(trading.fields)
    assert (trading.consent_checked, trading.opt_out_checked) == (True, False)  # marketing only, not processing
    assert trading.purposes == ("Brokerage account servicing and partner marketing",)
    assert "tooling:ApexClass/01p8d00TrdNightAEB" in {each.artefact for each in trading.evidence}
    enrichment = {each.integration for each in zora.recipients if each.system_key == ENRICHMENT}
    assert {"Customer_Enrichment_On_Create", "DataEnrichmentService"} <= enrichment
    assert {each.role for each in zora.recipients if each.host.endswith("core-banking.example.com")} == {
        "service_provider"}


def test_a_system_that_writes_into_their_records_is_a_source(demo: OrgConnection):
    zora = map_of(ZORA)

    [relay] = [each for each in zora.recipients if each.system_key == MOBILE]
    assert (relay.direction, relay.role) == ("receives", "first_party")
    assert "Individual.HasOptedOutProcessing" in relay.fields


def test_consents_are_per_purpose_and_channel_with_capture_dates_and_opt_out_flags(demo: OrgConnection):
    zora = map_of(ZORA)

    consents = {(each.name, each.channel): each for each in zora.consents}
    assert consents["Marketing", "Email"].status == "opt_out"
    assert consents["Credit Decisioning", "Email"].status == "opt_in"
    assert consents["Fraud Prevention", "Email"].status == "seen"
    processing = consents["Individual.HasOptedOutProcessing", None]
    assert (processing.kind, processing.status) == ("preference", "opt_out")
    assert processing.captured_at == datetime(2026, 10, 2, 17, 45, 12, tzinfo=UTC)
    assert processing.evidence.artefact == f"Individual:{ZORA}"


def test_retention_is_stated_once_per_system_their_data_reaches(demo: OrgConnection):
    zora = map_of(ZORA)

    retention = [(each.system, each.period) for each in zora.retention]
    assert ("Quillstone Brokerage Platform", "P6Y") in retention
    assert ("Tallyforge Core", "P7Y") in retention
    assert ("Fathomly Person Match", "P30D") in retention
    assert len(retention) == len(set(retention))


def test_readers_are_the_users_and_apps_the_event_logs_saw_using_their_objects(demo: OrgConnection):
    zora = map_of(ZORA)

    readers = {(each.kind, each.name, each.sobject) for each in zora.readers}
    assert ("user", "0058d0DKowalczyAGA", "Account") in readers
    assert ("integration", "GPB Mobile Banking", "Contact") in readers
    assert all((each.evidence.artefact or "").startswith("EventLogFile:") for each in zora.readers)


def test_zora_quinns_gap_is_her_processing_opt_out_still_carried_by_the_nightly_sync(demo: OrgConnection):
    zora = map_of(ZORA)

    [gap] = [each for each in zora.gaps
             if each.kind is GapKind.SYNC_IGNORES_PROCESSING_OPT_OUT and each.integration_key == TRADING_SYNC]
    assert gap.system_key == TRADING
    assert gap.opted_out_at == datetime(2026, 10, 2, 17, 45, 12, tzinfo=UTC)
    assert "opted out of processing" in gap.summary
    assert {"tooling:ApexClass/01p8d00TrdNightAEB", f"Individual:{ZORA}"} <= {each.artefact for each in gap.evidence}
    # The manifest entry describing the same sync is evidence of that gap, not a second one.
    assert TRADING_ENTRY_EVIDENCE in {each.artefact for each in gap.evidence}
    assert not [each for each in zora.gaps if each.integration_key == TRADING_ENTRY]
    # The enrichment checks opt-outs and the mobile app is the bank's own: neither is a gap.
    assert not {ENRICHMENT, MOBILE} & {each.system_key for each in zora.gaps}


def test_mateo_alvarezs_gap_is_his_mobile_opt_out_relayed_past_the_24_hour_target(demo: OrgConnection):
    mateo = map_of(MATEO)

    [late] = [each for each in mateo.gaps if each.kind is GapKind.OPT_OUT_LATE]
    assert late.opted_out_at == datetime(2026, 11, 14, 19, 22, 5, tzinfo=UTC)
    assert late.system_key == MOBILE
    assert "31.8 hours later" in late.summary
    assert "24-hour target" in late.summary
    assert late.evidence[0].artefact == "manifest:golden_poppy_integrations.yaml#mobile_app/evt-7f3c2a91"


def test_amara_okoyes_gap_is_the_balance_alert_emailing_her_after_her_email_opt_out(demo: OrgConnection):
    amara = map_of(AMARA)

    assert [(each.kind, each.integration_key) for each in amara.gaps] == [
        (GapKind.FLOW_AGAINST_OPT_OUT, BALANCE_ALERT)]
    assert "by email" in amara.gaps[0].summary
    assert amara.gaps[0].purpose == "Account.PersonHasOptedOutOfEmail"


def test_where_the_controls_hold_there_is_no_gap(demo: OrgConnection):
    grace = map_of(GRACE)
    hank = map_of(HANK)

    assert GapKind.OPT_OUT_LATE not in {each.kind for each in grace.gaps}  # relayed in two minutes
    assert ENRICHMENT not in {each.system_key for each in grace.gaps}  # gated by her Analytics consent
    analytics = {(each.name, each.status) for each in grace.consents}
    assert ("Analytics", "opt_in") in analytics
    assert hank.gaps == ()
    assert {each.sobject for each in hank.records} >= {"Account", "Contact", "Individual"}


def test_a_map_as_of_a_moment_classifies_by_the_override_in_force_then(demo: OrgConnection):
    officer = privacy_officer()
    made = override_field("demo", "Contact", "Title", ccpa_category=NOT_PERSONAL,
                          reason="a job title the bank never asks for", actor=officer)
    while_in_force = datetime.now(UTC)
    withdraw_override(made, reason="the title is the consumer's after all", actor=officer)

    def contact_fields(data_map: DataMap) -> set[str]:
        return {name for held in data_map.records if held.sobject == "Contact" for each in held.categories
                for name in each.fields}

    assert "Title" not in contact_fields(data_map_of(subject_holding(ZORA), as_of=while_in_force))
    assert "Title" in contact_fields(map_of(ZORA))


def test_an_unknown_subject_or_one_not_yet_harvested_then_is_not_found(demo: OrgConnection):
    with pytest.raises(SubjectNotFoundError):
        data_map_of(subject_key("0" * 64))
    with pytest.raises(SubjectNotFoundError):
        data_map_of(subject_holding(ZORA), as_of=datetime.now(UTC) - timedelta(days=3650))


# --- the gap rules on their own --------------------------------------------------------------------------

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def _recipient(*, purposes: tuple[str, ...] = (), channels: tuple[str, ...] = ("callout",), role: str = "third_party",
               consent_checked: bool = False, opt_out_checked: bool | None = False) -> RecipientFlow:
    return RecipientFlow(system_key="system:ads.test", host="ads.test", name="Ads", role=role, country="US",
                         integration_key="integration:00D:apex_class:Push", integration="Push",
                         integration_kind="apex_class", direction="sends", purposes=purposes,
                         fields=("Contact.Email",), consent_checked=consent_checked, opt_out_checked=opt_out_checked,
                         evidence=(Evidence(("integration:00D:apex_class:Push",), "apex:Push"),), channels=channels)


def _opted_out(name: str, *, kind: str = "purpose", channel: str | None = "Email") -> ConsentHeld:
    return ConsentHeld(target_key=f"{kind}:00D:{name}", name=name, kind=kind, status="opt_out", channel=channel,
                       captured_at=datetime(2026, 9, 1, tzinfo=UTC), effective_from=None, effective_to=None,
                       meaning=None, evidence=Evidence(("consented",), "ContactPointTypeConsent:0ZY"))


def test_a_flow_serving_a_purpose_they_opted_out_of_is_a_gap_unless_it_checks() -> None:
    marketing = _opted_out("Marketing")

    [gap] = flow_gaps((_recipient(purposes=("marketing",)),), (marketing,))
    assert (gap.kind, gap.purpose) == (GapKind.FLOW_AGAINST_OPT_OUT, "Marketing")
    assert flow_gaps((_recipient(purposes=("Marketing",), opt_out_checked=True),), (marketing,)) == ()
    assert flow_gaps((_recipient(purposes=("Marketing",), consent_checked=True),), (marketing,)) == ()
    assert flow_gaps((_recipient(purposes=("Analytics",)),), (marketing,)) == ()


def test_a_processing_opt_out_is_a_gap_for_every_send_beyond_the_business_without_an_opt_out_check() -> None:
    processing = _opted_out("Individual.HasOptedOutProcessing", kind="preference", channel=None)

    assert [each.kind for each in flow_gaps((_recipient(opt_out_checked=None),), (processing,))] == [
        GapKind.SYNC_IGNORES_PROCESSING_OPT_OUT]
    assert flow_gaps((_recipient(role="first_party"),), (processing,)) == ()
    assert flow_gaps((_recipient(opt_out_checked=True),), (processing,)) == ()


def _event(*, relayed_at: datetime | None) -> ConsentEventFact:
    return ConsentEventFact(key="integration:00D:manifest:app#consent_events.e1", event_id="e1",
                            change="opt_out_of_processing", purposes=(), subject_record="Individual:0PK",
                            recorded_at=datetime(2026, 11, 18, tzinfo=UTC), relayed_at=relayed_at,
                            opt_out_sla_hours=24.0, system="app", system_name="App", system_keys=("system:app.test",),
                            evidence="manifest:app.yaml#app/e1")


def test_an_opt_out_not_relayed_when_its_sla_has_run_out_is_late_and_one_relayed_in_time_is_not() -> None:
    [never] = late_opt_out_gaps((_event(relayed_at=None),), NOW)
    assert "has not reached Salesforce" in never.summary
    assert late_opt_out_gaps((_event(relayed_at=datetime(2026, 11, 18, 23, tzinfo=UTC)),), NOW) == ()
    assert late_opt_out_gaps((_event(relayed_at=None),), datetime(2026, 11, 18, 12, tzinfo=UTC)) == ()
