"""The Apex reader: what it sees (and what comments and strings must not make it see)."""

from __future__ import annotations

from pathlib import Path

from harvesters.integrations.apex import ApexAnalysis, Callout, analyse_apex, child_object, lex, parse_soql
from harvesters.integrations.consent_guards import ConsentGuard


def test_comments_and_strings_are_not_code():
    lexed = lex("// HasOptedOutProcessing\n/* [SELECT Id FROM Secret__c] */ String s = 'a \\'quoted\\' word';")

    assert "HasOptedOutProcessing" not in lexed.code
    assert "Secret__c" not in lexed.code
    assert "'quoted'" in lexed.strings[-1]


def test_an_opt_out_named_only_in_a_comment_or_a_log_message_is_no_check():
    body = """public with sharing class Sync {
        // TODO: honour HasOptedOutProcessing
        void run() { System.debug('skipping HasOptedOutProcessing check'); }
    }"""

    assert analyse_apex("Sync", body).consent_checks == frozenset()


def test_sharing_modes_are_read_from_the_class_declaration():
    assert analyse_apex("A", "public without sharing class A {}").sharing == "without"
    assert analyse_apex("B", "global inherited sharing class B implements Schedulable {}").sharing == "inherited"
    assert analyse_apex("C", "public class C {}").sharing == "omitted"


def test_security_enforced_user_mode_and_strip_inaccessible_count_as_enforcement():
    enforced = analyse_apex("E", "class E { void a() { [SELECT Name FROM Account WITH SECURITY_ENFORCED]; "
                                 "[SELECT Email FROM Contact WITH USER_MODE]; } }")
    stripped = analyse_apex("S", "class S { void a() { Security.stripInaccessible(AccessType.READABLE, "
                                 "[SELECT Name FROM Account]); } }")
    plain = analyse_apex("P", "class P { void a() { [SELECT Name FROM Account]; } }")

    assert enforced.enforces_security
    assert stripped.enforces_security
    assert not plain.enforces_security
    assert plain.reads == {("Account", "Name"): False}


def test_callouts_through_named_credentials_and_literal_urls():
    body = """public class Client {
        void send() {
            HttpRequest request = new HttpRequest();
            request.setEndpoint('callout:Vendor/v1/match');
            HttpRequest other = new HttpRequest();
            other.setEndpoint('https://API.partner.example.com/hook?x=1');
        }
    }"""

    assert analyse_apex("Client", body).callouts == (Callout(named_credential="Vendor"),
                                                     Callout(host="api.partner.example.com"))


def test_a_url_in_a_class_that_builds_no_request_is_not_a_callout():
    assert analyse_apex("Links", "class Links { String help = 'https://help.example.com'; }").callouts == ()


def test_soql_follows_relationships_child_subqueries_and_semi_joins():
    [main, child, semi] = parse_soql(
        "SELECT Id, PersonIndividual.HasOptedOutSolicit, Owner.Email, "
        "(SELECT FinServ__Balance__c FROM FinServ__FinancialAccounts__r) FROM Account "
        "WHERE Id IN (SELECT FinServ__PrimaryOwner__c FROM FinServ__FinancialAccount__c) AND Industry = 'Bank'")

    assert main.selected == {("Account", "Id"), ("Individual", "HasOptedOutSolicit"), ("User", "Email")}
    assert ("Account", "Industry") in main.filtered
    assert child.selected == {("FinServ__FinancialAccount__c", "FinServ__Balance__c")}
    assert semi.selected == {("FinServ__FinancialAccount__c", "FinServ__PrimaryOwner__c")}


def test_a_custom_relationship_path_is_read_as_its_lookup_field():
    [query] = parse_soql("SELECT Loan__r.Amount__c FROM Payment__c")

    assert query.selected == {("Payment__c", "Loan__c")}


def test_child_relationship_names_are_singularised_into_objects():
    assert child_object("FinServ__FinancialAccounts__r") == "FinServ__FinancialAccount__c"
    assert child_object("Opportunities") == "Opportunity"


def test_dynamic_soql_literals_are_read():
    body = "class D { void a() { Database.query('SELECT Email FROM Lead WHERE IsConverted = false'); } }"

    assert ("Lead", "Email") in analyse_apex("D", body).reads


def test_sobject_constructors_are_writes_and_only_used_fields_are_sent():
    body = """public class Sync {
        void run() {
            for (Contact c : [SELECT Id, Email, Birthdate FROM Contact]) {
                HttpRequest r = new HttpRequest(); r.setEndpoint('callout:Crm/x'); r.setBody(c.Email);
            }
            insert new Case(Subject = 'x', Description = String.valueOf(Math.max(1, 2)));
        }
    }"""
    analysis = analyse_apex("Sync", body)

    assert analysis.writes == {("Case", "Subject"), ("Case", "Description")}
    assert analysis.sent_fields == {("Contact", "Email")}


def test_an_opt_out_filter_on_the_query_a_callout_loops_over_is_a_check_and_only_processing_is_the_opt_out():
    solicit = analyse_apex("M", """class M { void a() {
        for (Contact c : [SELECT Id, Email FROM Contact WHERE Individual.HasOptedOutSolicit = false]) {
            new Http().send(request(c));
        } } }""")
    processing = analyse_apex("P", """class P { void a(Contact c) {
        if (!c.Individual.HasOptedOutProcessing) { new Http().send(request(c)); } } }""")

    assert solicit.consent_checks == {"HasOptedOutSolicit"}
    assert solicit.consent_guard is not None
    assert solicit.consent_guard.check == "WHERE Individual.HasOptedOutSolicit = false"
    assert not solicit.opt_out_checked
    assert processing.opt_out_checked


def test_a_rest_resource_records_its_url_mapping():
    body = "@RestResource(urlMapping='/dsar/intake') global without sharing class Hook {}"

    assert analyse_apex("Hook", body).rest_resource == "/dsar/intake"


def test_setting_an_opt_out_or_a_consent_status_is_not_checking_one():
    body = """class Relay { void save(Id person, String status) {
        insert new ContactPointTypeConsent(PartyId = person, PrivacyConsentStatus = status);
        update new Individual(Id = person, HasOptedOutProcessing = true);
    } }"""

    assert analyse_apex("Relay", body).consent_checks == frozenset()


def test_a_consent_field_only_mentioned_in_a_select_list_a_comment_or_a_string_is_no_check():
    body = """public class Mentions {
        // Skips customers with HasOptedOutProcessing set.
        public void sync() {
            for (Contact c : [SELECT Id, Email, Individual.HasOptedOutProcessing FROM Contact]) {
                System.debug('HasOptedOutProcessing honoured upstream');
                System.debug(c.Individual.HasOptedOutProcessing);
                HttpRequest r = new HttpRequest(); r.setEndpoint('callout:Crm/x'); r.setBody(c.Email);
                new Http().send(r);
            }
        }
    }"""
    analysis = analyse_apex("Mentions", body)

    assert [sink.kind for sink in analysis.sinks] == ["callout"]
    assert not analysis.consent_checked
    assert analysis.consent_checks == frozenset()
    assert analysis.consent_guard is None


def test_an_if_guarding_the_callout_is_a_check_named_with_its_line_and_method():
    body = """public class Mailer {
        public void mail(List<Contact> people) {
            Http client = new Http();
            for (Contact c : people) {
                if (c.Email != null && !c.HasOptedOutOfEmail) {
                    client.send(request(c));
                }
            }
        }
    }"""
    analysis = analyse_apex("Mailer", body)

    assert analysis.consent_checked
    assert analysis.consent_guard == ConsentGuard(check="if (c.Email != null && !c.HasOptedOutOfEmail)", line=5,
                                                  method="mail", fields=frozenset({"HasOptedOutOfEmail"}))
    assert not analysis.opt_out_checked


def test_a_guard_in_a_method_the_callout_does_not_pass_through_is_no_check():
    body = """public class Split {
        public Boolean allowed(Contact c) {
            if (c.Individual.HasOptedOutProcessing) { return false; }
            return true;
        }
        public void push(Contact c) {
            new Http().send(request(c));
        }
    }"""
    analysis = analyse_apex("Split", body)

    assert not analysis.consent_checked
    assert not analysis.opt_out_checked


def test_an_early_return_when_the_opt_out_is_set_guards_the_callout_after_it():
    body = """public class Early {
        public void push(Contact c) {
            if (c.Individual == null || c.Individual.HasOptedOutProcessing) {
                return;
            }
            new Http().send(request(c));
        }
    }"""
    analysis = analyse_apex("Early", body)

    assert analysis.consent_checked
    assert analysis.opt_out_checked
    assert analysis.consent_guard is not None
    assert (analysis.consent_guard.line, analysis.consent_guard.method) == (3, "push")
    assert analysis.consent_guard.check.endswith(" return")


def test_a_check_with_the_wrong_polarity_or_inside_an_or_is_no_guard():
    wrong_way = analyse_apex("W", """public class W { public void push(Contact c) {
        if (c.HasOptedOutOfEmail) { new Http().send(request(c)); } } }""")
    either = analyse_apex("E", """public class E { public void push(Contact c) {
        if (!c.HasOptedOutOfEmail || c.IsVip__c) { new Http().send(request(c)); } } }""")
    return_on_consent = analyse_apex("R", """public class R { public void push(Contact c) {
        if (!c.HasOptedOutOfEmail) { return; } new Http().send(request(c)); } }""")

    assert not wrong_way.consent_checked
    assert not either.consent_checked
    assert not return_on_consent.consent_checked


def test_a_private_callout_method_is_guarded_only_when_every_caller_is():
    guarded = """public class G {
        public void run(Contact c) { if (!c.Individual.HasOptedOutProcessing) { post(c); } }
        private void post(Contact c) { new Http().send(request(c)); }
    }"""
    one_unguarded = guarded.replace("class G {", "class G {\n        public void again(Contact c) { post(c); }")

    assert analyse_apex("G", guarded).opt_out_checked
    assert analyse_apex("G", guarded).consent_guard.method == "run"  # type: ignore[union-attr]
    assert not analyse_apex("G", one_unguarded).consent_checked


def test_a_public_callout_method_is_unguarded_whatever_its_callers_in_the_class_check():
    body = """public class Open {
        public void run(Contact c) { if (!c.Individual.HasOptedOutProcessing) { post(c); } }
        public void post(Contact c) { new Http().send(request(c)); }
    }"""

    assert not analyse_apex("Open", body).consent_checked


DEMO_APEX = Path(__file__).resolve().parents[2] / "salesforce_simulator" / "orgs" / "demo" / "apex"


def demo_class(name: str) -> ApexAnalysis:
    return analyse_apex(name, (DEMO_APEX / f"{name}.cls").read_text())


def test_the_demo_enrichment_callout_is_guarded_by_the_consented_contacts_it_loops_over():
    analysis = demo_class("DataEnrichmentService")

    assert analysis.consent_checked
    assert analysis.opt_out_checked
    assert analysis.consent_checks == {"HasOptedOutProcessing", "HasOptedOutProfiling", "PrivacyConsentStatus"}
    assert analysis.consent_guard == ConsentGuard(
        check="if (processingAllowed && optedIn.contains(customer.IndividualId))", line=40,
        method="consentedContacts",
        fields=frozenset({"HasOptedOutProcessing", "HasOptedOutProfiling", "PrivacyConsentStatus"}))


def test_the_demo_core_banking_pull_has_no_check_on_its_path():
    analysis = demo_class("CoreBankingTransactionSync")

    assert [(sink.kind, sink.method) for sink in analysis.guarded_sinks] == [("callout", "fetchTransactions")]
    assert not analysis.consent_checked
    assert analysis.consent_checks == frozenset()


def test_the_demo_trading_batch_is_guarded_by_the_solicit_filter_of_its_start_query_only():
    analysis = demo_class("TradingPlatformNightlySync")

    assert analysis.consent_checked
    assert not analysis.opt_out_checked
    assert analysis.consent_guard == ConsentGuard(check="WHERE PersonIndividual.HasOptedOutSolicit = false",
                                                  line=25, method="start",
                                                  fields=frozenset({"HasOptedOutSolicit"}))


def test_the_demo_email_client_sends_only_the_messages_it_built_for_recipients_who_did_not_opt_out():
    analysis = demo_class("TransactionalEmailClient")

    assert analysis.consent_checks == {"HasOptedOutSolicit"}
    assert analysis.consent_guard is not None
    assert (analysis.consent_guard.line, analysis.consent_guard.method) == (10, "sendMarketing")


def test_demo_classes_without_callouts_are_judged_by_their_dml():
    assert not demo_class("MobileConsentService").consent_checked
    assert not demo_class("DsarIntakeWebhook").consent_checked
    assert demo_class("AccountBalanceController").sinks == ()


def test_block_comments_keep_the_line_numbers_of_the_code_after_them():
    body = "/*\n * one\n * two\n */\npublic class L { public void a(Contact c) {\n" \
           "if (!c.HasOptedOutOfEmail) { new Http().send(r); } } }"

    assert analyse_apex("L", body).consent_guard.line == 6  # type: ignore[union-attr]


def test_a_consent_check_method_of_the_class_or_one_named_for_consent_guards_the_callout():
    predicate = analyse_apex("P", """public class P {
        private Boolean canProcess(Contact c) { return !c.Individual.HasOptedOutProcessing; }
        public void push(Contact c) { if (canProcess(c)) { new Http().send(request(c)); } }
    }""")
    named = analyse_apex("N", """public class N { public void push(Contact c) {
        if (ConsentService.hasConsent(c.Id, 'Analytics')) { new Http().send(request(c)); } } }""")

    assert predicate.opt_out_checked
    assert named.consent_checks == {"hasConsent()"}
    assert not named.opt_out_checked


def test_a_continue_past_opted_out_records_guards_the_rest_of_the_loop():
    body = """public class Loop { public void push(List<Contact> people) {
        for (Contact c : people) {
            if (c.HasOptedOutOfEmail) { continue; }
            new Http().send(request(c));
        }
    } }"""
    analysis = analyse_apex("Loop", body)

    assert analysis.consent_checked
    assert analysis.consent_guard is not None
    assert analysis.consent_guard.check == "if (c.HasOptedOutOfEmail) continue"
