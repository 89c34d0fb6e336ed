"""The rule files of lineage/rules: each loads whole (every key, its choices known, its Cypher's templates expanded),
and a file that is not one is refused with its name and what is wrong, never half-loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lineage.rules import RULES_DIR, RuleFileError, expand, load_rule, rule_named, rules


def rule_text(**changes: object) -> str:
    data = yaml.safe_load((RULES_DIR / "sensitive-data-unencrypted.yaml").read_text())
    data.update(changes)
    return yaml.safe_dump({key: value for key, value in data.items() if value is not None})


def test_every_rule_file_loads_with_its_citations_and_a_query_without_templates():
    loaded = rules()

    assert {rule.id for rule in loaded} == {path.stem for path in RULES_DIR.glob("*.yaml")}
    for rule in loaded:
        assert rule.citations, rule.id
        assert all(each.cite.startswith(("Cal. Civ. Code §", "11 CCR §")) for each in rule.citations), rule.id
        assert "{{" not in rule.cypher, rule.id
        assert all((rule.remediation, rule.explanation, rule.why)), rule.id


def test_rules_come_most_severe_first():
    order = ["critical", "high", "medium", "low"]

    severities = [order.index(rule.severity) for rule in rules()]

    assert severities == sorted(severities)


@pytest.mark.parametrize(("changes", "said"), [
    ({"remediation": None}, "missing ['remediation']"),
    ({"owner": "privacy"}, "unknown ['owner']"),
    ({"severity": "urgent"}, "'urgent' is not a valid Severity"),
    ({"consumers": {"audience": "everyone"}}, "'everyone' is not a valid Audience"),
    ({"id": "another-name"}, "its id is 'another-name', not its file's name"),
    ({"cypher": "MATCH (f:Field) WHERE {{colour:f}} RETURN f"}, "an unknown template"),
])
def test_a_rule_file_that_is_not_one_is_refused_naming_the_file_and_the_fault(
        tmp_path: Path, changes: dict[str, object], said: str):
    path = tmp_path / "sensitive-data-unencrypted.yaml"
    path.write_text(rule_text(**changes))

    with pytest.raises(RuleFileError) as refused:
        load_rule(path)

    assert "sensitive-data-unencrypted.yaml" in str(refused.value)
    assert said in str(refused.value)


def test_templates_expand_to_the_effective_classification_and_the_declared_fields():
    expanded = expand("{{live:f}} {{category:f}} {{sensitive:f}} {{declared_objects:m}} {{declared_fields:m}}")

    assert expanded.startswith("f.retired_at IS NULL ")
    assert "f.override_ccpa_category" in expanded
    assert "f.override_sensitive" in expanded
    assert "split(each, '.')[0]" in expanded
    assert "'field:' + substring($org, 4)" in expanded


def test_a_rule_is_found_by_its_id_and_an_unknown_id_is_none():
    assert rule_named("opted-out-consumers-moved") is not None
    assert rule_named("no-such-rule") is None
