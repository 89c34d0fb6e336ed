"""The Apex reader: what it sees (and what comments and strings must not make it see)."""

from __future__ import annotations

from harvesters.integrations.apex import Callout, analyse_apex, child_object, lex, parse_soql


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


def test_an_opt_out_filter_in_soql_is_a_check_and_only_processing_counts_as_the_opt_out():
    solicit = analyse_apex("M", "class M { void a() { "
                                "[SELECT Id FROM Contact WHERE Individual.HasOptedOutSolicit = false]; } }")
    processing = analyse_apex("P", "class P { void a(Contact c) { if (!c.Individual.HasOptedOutProcessing) {} } }")

    assert solicit.consent_checks == {"HasOptedOutSolicit"}
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
