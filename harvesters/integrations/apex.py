"""Apex source read by a small lexer and regular expressions: what a class reads, writes and calls out to.

The parser first blanks comments and lifts string literals out of the code (so a `SELECT` or a
`HasOptedOutProcessing` inside a comment or a log message counts for nothing), then reads:

- the class declaration's sharing keyword (`with` / `without` / `inherited sharing`, else omitted);
- inline SOQL (`[SELECT … FROM …]`) and SOQL string literals (`Database.query('SELECT …')`), with
  their sub-queries: the objects and fields selected or filtered on, and `WITH SECURITY_ENFORCED` /
  `WITH USER_MODE`; `Security.stripInaccessible` anywhere in the class also counts as enforcement;
- callout endpoints from string literals: `callout:<NamedCredential>/…` and, in classes that build an
  `HttpRequest`, literal `http(s)://host/…` URLs;
- SObject constructors with field assignments (`new Case(Subject = …)`): the fields written;
- callouts (`new Http().send(…)`) and DML statements, each with the consent or opt-out checks that
  guard it on its path (`consent_guards`): a consent field merely selected, logged or read in a
  method the callout never passes through is no check.

What it does not understand (documented, so nobody trusts more than it gives): data flow between
variables and methods (a field counts as sent when the class reads it in SOQL and mentions it
outside SOQL, and a callout class is assumed to send them all to every endpoint it calls); dynamic
SOQL assembled from pieces (only the literal pieces that start with SELECT are read); endpoints held
in custom settings or metadata; relationship paths ending in a custom `__r` (recorded as a read of
the lookup field itself) and child sub-queries (their object is guessed from the relationship name);
triggers, inner-class sharing and `Schema.describe`-driven access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from harvesters.integrations.consent_guards import (
    ConsentGuard,
    Sink,
    closing_bracket,
    find_sinks,
    inline_soql_spans,
)

FieldRef = tuple[str, str]  # (object API name, field API name)

CONSENT_FIELDS = frozenset({
    "HasOptedOutProcessing", "HasOptedOutProfiling", "HasOptedOutSolicit", "HasOptedOutTracking",
    "HasOptedOutGeoTracking", "ShouldForget", "PrivacyConsentStatus", "HasOptedOutOfEmail",
    "PersonHasOptedOutOfEmail", "HasOptedOutOfFax", "DoNotCall", "PersonDoNotCall",
})
PROCESSING_OPT_OUT = "HasOptedOutProcessing"
# Platform bookkeeping a class may query (job status, schedules) that holds no one's personal data.
BOOKKEEPING_OBJECTS = frozenset({"AsyncApexJob", "CronTrigger", "CronJobDetail", "ApexClass", "Organization"})
# Standard relationship names whose target object is not the relationship's own name.
STANDARD_RELATIONSHIPS = {
    "PersonIndividual": "Individual", "Owner": "User", "CreatedBy": "User", "LastModifiedBy": "User",
    "Party": "Individual", "Parent": "", "What": "", "Who": "",
}

_PLACEHOLDER = "\x00{}\x00"
_STRING_TOKEN = re.compile(r"\x00(\d+)\x00")
_SHARING = re.compile(r"\b(with|without|inherited)\s+sharing\b[^{;]*?\bclass\b", re.IGNORECASE)
_SOQL_CLAUSE_END = re.compile(r"\b(WITH|GROUP\s+BY|ORDER\s+BY|LIMIT|OFFSET|FOR\s+(UPDATE|VIEW|REFERENCE))\b",
                              re.IGNORECASE)
_FROM = re.compile(r"\bFROM\s+([A-Za-z_][\w]*)", re.IGNORECASE)
_ENFORCED = re.compile(r"\bWITH\s+(SECURITY_ENFORCED|USER_MODE)\b", re.IGNORECASE)
_OPERATOR = r"(?:=|!=|<>|<=|>=|<|>|\bIN\b|\bNOT\s+IN\b|\bLIKE\b|\bINCLUDES\b|\bEXCLUDES\b)"
_FIELD_PATH = re.compile(r"(?<![\w:.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*" + _OPERATOR, re.IGNORECASE)
_CONSTRUCTOR = re.compile(r"\bnew\s+([A-Za-z_]\w*)\s*\(")
_ASSIGNMENT = re.compile(r"(?:^|,)\s*([A-Za-z_]\w*)\s*=(?!=)")
_MEMBER = re.compile(r"\.\s*([A-Za-z_]\w*)")
_WORD = re.compile(r"[A-Za-z_]\w*")
_CALLOUT = re.compile(r"^callout:([A-Za-z_]\w*)")
_REST_RESOURCE = re.compile(r"@RestResource\s*\(\s*urlMapping\s*=\s*\x00(\d+)\x00", re.IGNORECASE)
_SOQL_KEYWORDS = frozenset({"AND", "OR", "NOT", "NULL", "TRUE", "FALSE", "WHERE", "SELECT", "FROM", "IN", "LIKE"})


@dataclass(frozen=True)
class Lexed:
    """Apex with comments blanked and every string literal replaced by a numbered placeholder."""

    code: str
    strings: tuple[str, ...]

    def text_of(self, fragment: str) -> str:
        """`fragment` with its placeholders turned back into the literals' contents."""
        return _STRING_TOKEN.sub(lambda found: self.strings[int(found.group(1))], fragment)


@dataclass(frozen=True)
class SoqlQuery:
    sobject: str
    selected: frozenset[FieldRef]
    filtered: frozenset[FieldRef]
    enforces_security: bool


@dataclass(frozen=True)
class Callout:
    named_credential: str | None = None
    host: str | None = None


@dataclass(frozen=True)
class ApexAnalysis:
    name: str
    sharing: str  # with / without / inherited / omitted
    queries: tuple[SoqlQuery, ...]
    writes: frozenset[FieldRef]
    callouts: tuple[Callout, ...]
    mentioned: frozenset[str]  # member names used outside SOQL (`customer.Email` → Email)
    sinks: tuple[Sink, ...]
    strips_inaccessible: bool
    rest_resource: str | None

    @property
    def enforces_security(self) -> bool:
        return self.strips_inaccessible or (bool(self.queries) and all(q.enforces_security for q in self.queries))

    @property
    def guarded_sinks(self) -> tuple[Sink, ...]:
        """The statements whose guards decide the class's consent: its callouts, else its DML."""
        callouts = tuple(sink for sink in self.sinks if sink.kind == "callout")
        return callouts or tuple(sink for sink in self.sinks if sink.kind == "dml")

    @property
    def consent_checked(self) -> bool:
        """Every callout (or, without callouts, every DML statement) has a consent check on its path."""
        return bool(self.guarded_sinks) and all(sink.guards for sink in self.guarded_sinks)

    @property
    def consent_checks(self) -> frozenset[str]:
        """The consent fields (and check methods) read by the checks found on the sinks' paths."""
        return frozenset(name for sink in self.guarded_sinks for name in sink.checks)

    @property
    def opt_out_checked(self) -> bool:
        return bool(self.guarded_sinks) and all(PROCESSING_OPT_OUT in sink.checks for sink in self.guarded_sinks)

    @property
    def consent_guard(self) -> ConsentGuard | None:
        """The check to show for the class: the first one found, when every sink is guarded."""
        return self.guarded_sinks[0].guards[0] if self.consent_checked else None

    @property
    def reads(self) -> dict[FieldRef, bool]:
        """Every field read, with whether each read enforces field-level security."""
        found: dict[FieldRef, bool] = {}
        for query in self.queries:
            for ref in query.selected | query.filtered:
                enforced = query.enforces_security or self.strips_inaccessible
                found[ref] = found.get(ref, True) and enforced
        return found

    @property
    def sent_fields(self) -> frozenset[FieldRef]:
        """Selected fields the code goes on to use, less the consent flags it only checks."""
        return frozenset(ref for query in self.queries for ref in query.selected
                         if ref[1] in self.mentioned and ref[1] not in CONSENT_FIELDS
                         and ref[0] not in BOOKKEEPING_OBJECTS)


def lex(source: str) -> Lexed:
    """Blank comments and lift string literals, keeping line structure (one pass, Apex's rules)."""
    out: list[str] = []
    strings: list[str] = []
    i, n = 0, len(source)
    while i < n:
        two = source[i:i + 2]
        if two == "//":
            end = source.find("\n", i)
            i = n if end < 0 else end
        elif two == "/*":
            end = n if source.find("*/", i + 2) < 0 else source.find("*/", i + 2) + 2
            out.append(" " + "\n" * source.count("\n", i, end))  # keep line numbers for the checks found
            i = end
        elif source[i] == "'":
            literal, i = _string_at(source, i)
            out.append(_PLACEHOLDER.format(len(strings)))
            strings.append(literal)
        else:
            out.append(source[i])
            i += 1
    return Lexed("".join(out), tuple(strings))


def _string_at(source: str, start: int) -> tuple[str, int]:
    chars: list[str] = []
    i = start + 1
    while i < len(source) and source[i] != "'":
        if source[i] == "\\" and i + 1 < len(source):
            chars.append(source[i + 1])
            i += 2
            continue
        chars.append(source[i])
        i += 1
    return "".join(chars), i + 1


def analyse_apex(name: str, body: str) -> ApexAnalysis:
    lexed = lex(body)
    soql_spans = list(inline_soql_spans(lexed.code))
    texts = [lexed.text_of(lexed.code[start + 1:end - 1]) for start, end in soql_spans]
    texts += [s for s in lexed.strings if re.match(r"\s*SELECT\b", s, re.IGNORECASE)]
    queries = tuple(query for text in texts for query in parse_soql(text))
    outside = _without_spans(lexed.code, soql_spans)
    mentioned = frozenset(_MEMBER.findall(outside))
    rest = _REST_RESOURCE.search(lexed.code)
    return ApexAnalysis(
        name=name, sharing=_sharing(lexed.code), queries=queries, writes=_constructed_fields(lexed.code),
        callouts=_callouts(lexed), mentioned=mentioned, sinks=find_sinks(lexed.code, lexed.strings),
        strips_inaccessible=bool(re.search(r"\bSecurity\s*\.\s*stripInaccessible\b", lexed.code, re.IGNORECASE)),
        rest_resource=lexed.strings[int(rest.group(1))] if rest else None,
    )


def _sharing(code: str) -> str:
    found = _SHARING.search(code)
    return found.group(1).lower() if found else "omitted"


def _without_spans(code: str, spans: list[tuple[int, int]]) -> str:
    pieces, last = [], 0
    for start, end in spans:
        pieces.append(code[last:start])
        last = end
    pieces.append(code[last:])
    return " ".join(pieces)


def parse_soql(text: str, parent: str | None = None) -> list[SoqlQuery]:
    """A SOQL statement and its sub-queries: objects, fields selected and filtered, enforcement.

    A sub-query in the select list names a child relationship of `parent`'s object; one in WHERE is
    an ordinary semi-join. Both are returned as queries of their own.
    """
    main, subqueries = _lift_subqueries(text)
    found = _FROM.search(main)
    if found is None:
        return []
    sobject = found.group(1) if parent is None else child_object(found.group(1))
    select_list = main[re.search(r"\bSELECT\b", main, re.IGNORECASE).end():found.start()]  # type: ignore[union-attr]
    rest = main[found.end():]
    where = _where_clause(rest)
    enforced = bool(_ENFORCED.search(rest))
    selected = frozenset(ref for item in select_list.split(",") if (ref := field_ref(sobject, item)) is not None)
    filtered = frozenset(ref for path in _FIELD_PATH.findall(where)
                         if path.upper() not in _SOQL_KEYWORDS and (ref := field_ref(sobject, path)) is not None)
    queries = [SoqlQuery(sobject, selected, filtered, enforced)]
    for position, sub in subqueries:
        in_select = position < found.start()
        queries += parse_soql(sub, parent=sobject if in_select else None)
    return [q if q.enforces_security or not enforced else _enforced(q) for q in queries]


def _enforced(query: SoqlQuery) -> SoqlQuery:
    return SoqlQuery(query.sobject, query.selected, query.filtered, True)


def _lift_subqueries(text: str) -> tuple[str, list[tuple[int, str]]]:
    """`text` with each `(SELECT …)` blanked, and the sub-queries with where they stood."""
    subqueries: list[tuple[int, str]] = []
    chars = list(text)
    for found in re.finditer(r"\(\s*SELECT\b", text, re.IGNORECASE):
        if any(start <= found.start() < start + len(sub) + 2 for start, sub in subqueries):
            continue
        end = closing_bracket(text, found.start(), "(", ")")
        if end is None:
            continue
        subqueries.append((found.start(), text[found.start() + 1:end - 1]))
        chars[found.start():end] = " " * (end - found.start())
    return "".join(chars), subqueries


def _where_clause(rest: str) -> str:
    found = re.search(r"\bWHERE\b", rest, re.IGNORECASE)
    if found is None:
        return ""
    after = rest[found.end():]
    end = _SOQL_CLAUSE_END.search(after)
    return after[:end.start()] if end else after


def field_ref(sobject: str, item: str) -> FieldRef | None:
    """The field an item of a select list or a filter names, following one relationship hop."""
    words = _WORD.findall(re.sub(r"^\s*\w+\s*\(|\)", " ", item.strip()))
    if not words or words[0].upper() in _SOQL_KEYWORDS:
        return None
    path = next((w for w in re.findall(r"[A-Za-z_][\w.]*", item.strip()) if "(" not in w), words[0])
    parts = [p for p in path.split(".") if p]
    if parts and parts[0] == sobject and len(parts) > 1:
        parts = parts[1:]  # `Contact.Email` written with the object's own name
    return _resolve(sobject, parts)


def _resolve(sobject: str, parts: list[str]) -> FieldRef | None:
    if len(parts) == 1:
        return (sobject, parts[0])
    relationship = parts[0]
    if relationship.endswith("__r"):
        return (sobject, relationship[:-1] + "c")  # target unknown without a describe: the lookup itself
    target = STANDARD_RELATIONSHIPS.get(relationship, relationship)
    if not target:
        return None  # polymorphic (What, Who, Parent): the target is not knowable from the text
    return _resolve(target, parts[1:])


def child_object(relationship: str) -> str:
    """A child relationship's object, guessed from its conventional plural name."""
    stem = relationship[:-3] if relationship.endswith("__r") else relationship
    if stem.endswith("ies"):
        stem = stem[:-3] + "y"
    elif stem.endswith("s"):
        stem = stem[:-1]
    return stem + "__c" if relationship.endswith("__r") else stem


def _constructed_fields(code: str) -> frozenset[FieldRef]:
    """`new X(Field = value, …)`: only SObjects take name-value pairs, so X is an object."""
    writes: set[FieldRef] = set()
    for found in _CONSTRUCTOR.finditer(code):
        end = closing_bracket(code, found.end() - 1, "(", ")")
        if end is None:
            continue
        arguments = _top_level(code[found.end():end - 1])
        writes.update((found.group(1), name) for name in _ASSIGNMENT.findall(arguments))
    return frozenset(writes)


def _top_level(arguments: str) -> str:
    """The argument list with nested brackets blanked, so inner `a = b` do not count."""
    out, depth = [], 0
    for char in arguments:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        out.append(char if depth == 0 else " ")
    return "".join(out)


def _callouts(lexed: Lexed) -> tuple[Callout, ...]:
    builds_requests = re.search(r"\bHttpRequest\b", lexed.code) is not None
    found: list[Callout] = []
    for literal in lexed.strings:
        named = _CALLOUT.match(literal)
        if named:
            callout = Callout(named_credential=named.group(1))
        elif builds_requests and re.match(r"https?://", literal, re.IGNORECASE):
            host = urlsplit(literal).hostname
            if not host:
                continue
            callout = Callout(host=host.lower())
        else:
            continue
        if callout not in found:
            found.append(callout)
    return tuple(found)
