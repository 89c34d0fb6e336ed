"""How a field's words are matched against the word rules' terms (`TermIndex`): whole words, phrases in order,
a trailing `*` for a word's beginning, the first term of each rule in the rule's own order."""

from __future__ import annotations

from harvesters.classification import CcpaCategory, Rule, TermIndex, classify_field, words_of


def rule(rule_id: str, *phrases: str) -> Rule:
    return Rule(rule_id, rule_id, tuple(tuple(phrase.split()) for phrase in phrases), CcpaCategory.OTHER, "test")


def test_a_term_matches_whole_words_never_a_fragment() -> None:
    index = TermIndex([rule("itin", "itin")])
    assert index.first_terms(words_of("Waiting_Time__c")) == {}
    assert index.first_terms(words_of("Customer_ITIN__c")) == {0: 0}


def test_a_phrase_matches_its_words_in_order_and_side_by_side() -> None:
    index = TermIndex([rule("birth", "date of birth")])
    assert index.first_terms(["date", "of", "birth"]) == {0: 0}
    assert index.first_terms(["birth", "of", "date"]) == {}
    assert index.first_terms(["date", "of", "the", "birth"]) == {}
    assert index.first_terms(["date", "of"]) == {}


def test_a_trailing_star_matches_the_beginning_of_a_word_first_or_later_in_a_phrase() -> None:
    index = TermIndex([rule("health", "diagnos*"), rule("passport", "passport expir*")])
    assert index.first_terms(["primary", "diagnosis"]) == {0: 0}
    assert index.first_terms(["diagnos"]) == {0: 0}
    assert index.first_terms(["passport", "expiry", "date"]) == {1: 0}
    assert index.first_terms(["passport", "number"]) == {}


def test_each_rule_reports_its_first_term_in_its_own_order_not_in_the_fields_words() -> None:
    index = TermIndex([rule("contact", "email", "phone"), rule("other", "mobile")])
    assert index.first_terms(["phone", "or", "email", "mobile"]) == {0: 0, 1: 0}
    assert index.first_terms(["phone", "mobile"]) == {0: 1, 1: 0}


def test_an_empty_term_is_in_any_words_even_none() -> None:
    index = TermIndex([rule("never", "zzz"), Rule("always", "always", ((),), None, "test")])
    assert index.first_terms([]) == {1: 0}
    assert index.first_terms(["zzz"]) == {0: 0, 1: 0}


def test_the_first_rule_of_the_table_decides_even_when_a_later_rule_matches_an_earlier_word() -> None:
    # `ssn` (government id, sensitive) comes before `phone` in the table, whatever the order of the words.
    decided = classify_field("Contact", "Phone_SSN__c", "Phone SSN", "string")
    assert decided.sensitive
    assert decided.rule.startswith("government_id")
