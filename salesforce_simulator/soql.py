"""A SOQL subset: a hand-written tokenizer, a recursive-descent parser and a streaming evaluator.

Pure: no HTTP, no org. ``parse`` turns text into a ``Query``; ``execute`` validates it against
describe payloads and yields rows shaped as the REST API returns them. Without ORDER BY rows
stream straight from the record source; ORDER BY must see every matching row (with LIMIT only
the best OFFSET+LIMIT rows are kept, in a heap).
"""

from __future__ import annotations

import dataclasses
import functools
import heapq
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

Record = Mapping[str, Any]
RecordsFn = Callable[[str], Iterable[Record]]
DescribeFn = Callable[[str], "dict[str, Any] | None"]
LookupFn = Callable[[str, str], "Record | None"]


CATALOG_ROW_ID = "000000000000000AAA"


class SoqlError(Exception):
    """A query Salesforce would refuse; rendered as HTTP 400 with ``error_code``."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message


# ---------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class Token:
    kind: str  # IDENT, STRING, NUMBER, DATE, DATETIME, DATE_LITERAL, OP, EOF
    text: str
    pos: int
    value: Any = None


_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})"
)
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?![\dT])")
_NUMBER_RE = re.compile(r"[+-]?\d+(\.\d+)?")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_OPERATORS = ("<=", ">=", "!=", "<>", "=", "<", ">", "(", ")", ",")
_STRING_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'",
                   "\\": "\\"}
# Backslash escapes only LIKE understands stay escaped until the pattern is compiled.
_LIKE_ESCAPES = ("_", "%")

_FIXED_DATE_LITERALS = {
    "YESTERDAY", "TODAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK", "LAST_MONTH",
    "THIS_MONTH", "NEXT_MONTH", "LAST_90_DAYS", "NEXT_90_DAYS", "THIS_YEAR", "LAST_YEAR",
    "NEXT_YEAR", "THIS_QUARTER", "LAST_QUARTER", "NEXT_QUARTER",
}
_N_DATE_LITERALS = {
    "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS",
    "LAST_N_MONTHS", "NEXT_N_MONTHS", "N_WEEKS_AGO", "N_MONTHS_AGO", "LAST_N_YEARS",
    "NEXT_N_YEARS", "N_YEARS_AGO",
}


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; raises MALFORMED_QUERY on a character SOQL has no use for."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        token = _next_token(text, pos)
        tokens.append(token)
        pos = token.pos + len(token.text)
    tokens.append(Token("EOF", "", len(text)))
    return tokens


def _next_token(text: str, pos: int) -> Token:
    char = text[pos]
    if char == "'":
        return _string_token(text, pos)
    for pattern, kind in ((_DATETIME_RE, "DATETIME"), (_DATE_RE, "DATE")):
        match = pattern.match(text, pos)
        if match:
            return Token(kind, match.group(0), pos, _date_value(match.group(0), kind))
    match = _NUMBER_RE.match(text, pos)
    if match and (char.isdigit() or _after_operator(text, pos)):
        number_text = match.group(0)
        value: Any = Decimal(number_text) if "." in number_text else int(number_text)
        return Token("NUMBER", number_text, pos, value)
    match = _IDENT_RE.match(text, pos)
    if match:
        return _ident_token(text, pos, match.group(0))
    for operator in _OPERATORS:
        if text.startswith(operator, pos):
            return Token("OP", operator, pos)
    raise _malformed(text, pos, f"unexpected token: '{char}'")


def _after_operator(text: str, pos: int) -> bool:
    """A sign belongs to a number only where a value may start (after an operator or '(')."""
    before = text[:pos].rstrip()
    return bool(before) and before[-1] in "=<>(,"


def _string_token(text: str, pos: int) -> Token:
    chars: list[str] = []
    index = pos + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            if escaped in _LIKE_ESCAPES:
                chars.append("\\" + escaped)
            elif escaped in _STRING_ESCAPES:
                chars.append(_STRING_ESCAPES[escaped])
            else:
                raise _malformed(text, index, f"Invalid string literal '{text[pos:index + 2]}'. "
                                 "Illegal character sequence '\\" + escaped + "' in string "
                                 "literal.")
            index += 2
            continue
        if char == "'":
            return Token("STRING", text[pos:index + 1], pos, "".join(chars))
        chars.append(char)
        index += 1
    raise _malformed(text, pos, "unexpected token: <EOF>")


def _ident_token(text: str, pos: int, word: str) -> Token:
    upper = word.upper()
    end = pos + len(word)
    if upper in _N_DATE_LITERALS:
        match = re.compile(r":(\d+)").match(text, end)
        if not match:
            raise _malformed(text, end, f"unexpected token: '{word}'")
        return Token("DATE_LITERAL", text[pos:match.end()], pos, (upper, int(match.group(1))))
    if upper in _FIXED_DATE_LITERALS:
        return Token("DATE_LITERAL", word, pos, (upper, 0))
    return Token("IDENT", word, pos, upper)


def _date_value(text: str, kind: str) -> date | datetime:
    if kind == "DATE":
        return date.fromisoformat(text)
    return parse_datetime(text)


def parse_datetime(text: str) -> datetime:
    """A Salesforce datetime ('2026-11-01T00:00:00Z', '…000+0000') as an aware datetime."""
    cleaned = text.strip()
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    cleaned = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", cleaned)
    parsed = datetime.fromisoformat(cleaned)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _malformed(text: str, pos: int, message: str) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", positioned(text, pos, message))


def positioned(text: str, pos: int, message: str) -> str:
    """Salesforce's error layout: the query line, a caret, 'ERROR at Row:r:Column:c', message."""
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start:] if line_end < 0 else text[line_start:line_end]
    column = pos - line_start + 1
    return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{message}"


# ---------------------------------------------------------------------------------------
# The syntax tree


@dataclass(frozen=True)
class FieldRef:
    path: tuple[str, ...]  # as written: ("Owner", "Name")
    pos: int

    @property
    def text(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Literal:
    kind: str  # string, number, boolean, null, date, datetime, date_literal
    value: Any


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    operator: str  # = != < > <= >= LIKE INCLUDES EXCLUDES
    value: Literal


@dataclass(frozen=True)
class InList:
    field: FieldRef
    values: tuple[Literal, ...]
    negated: bool
    semi_join: Query | None = None  # IN (SELECT Id FROM …): the values come from a query


@dataclass(frozen=True)
class BoolOp:
    operator: str  # AND, OR
    operands: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    operand: Condition


Condition = Comparison | InList | BoolOp | Not


@dataclass(frozen=True)
class OrderKey:
    field: FieldRef
    descending: bool = False
    nulls_last: bool | None = None  # None: Salesforce's default (first for ASC, last for DESC)


@dataclass(frozen=True)
class Query:
    text: str
    sobject: str
    sobject_pos: int
    fields: tuple[FieldRef, ...]
    count: bool = False  # SELECT COUNT()
    count_field: FieldRef | None = None  # SELECT COUNT(field): an aggregate row
    where: Condition | None = None
    order_by: tuple[OrderKey, ...] = ()
    limit: int | None = None
    offset: int | None = None
    field_sets: tuple[str, ...] = ()  # FIELDS(ALL|STANDARD|CUSTOM), expanded against describe
    subqueries: tuple[SubQuery, ...] = ()  # parent-to-child: (SELECT … FROM Contacts)

    def selects(self, name: str) -> bool:
        """Whether the SELECT list names ``name`` (case-insensitive, top-level field)."""
        lowered = name.lower()
        return any(ref.text.lower() == lowered for ref in self.fields)

    def conditions(self) -> Iterator[Comparison | InList]:
        """Every comparison in the WHERE clause, depth first."""
        return _leaves(self.where) if self.where is not None else iter(())

    def uses(self, operator: str) -> bool:
        """Whether the WHERE clause uses the boolean operator ``operator`` (AND, OR, NOT)."""
        return self.where is not None and _uses(self.where, operator.upper())


@dataclass(frozen=True)
class SubQuery:
    """A parent-to-child subquery; ``query.sobject`` is the child relationship name."""

    query: Query
    pos: int


def _leaves(condition: Condition) -> Iterator[Comparison | InList]:
    if isinstance(condition, BoolOp):
        for operand in condition.operands:
            yield from _leaves(operand)
    elif isinstance(condition, Not):
        yield from _leaves(condition.operand)
    else:
        yield condition


def _uses(condition: Condition, operator: str) -> bool:
    if isinstance(condition, BoolOp):
        return condition.operator == operator or any(_uses(o, operator) for o in condition.operands)
    if isinstance(condition, Not):
        return operator == "NOT" or _uses(condition.operand, operator)
    return operator == "NOT" and isinstance(condition, InList) and condition.negated


# ---------------------------------------------------------------------------------------
# The parser


def parse(soql: str) -> Query:
    """Parse ``soql``; raises ``SoqlError`` (MALFORMED_QUERY) where Salesforce would."""
    return _Parser(soql).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # -- token helpers
    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.current
        if token.kind != "EOF":
            self.index += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.current.kind == "IDENT" and self.current.value in words

    def at_op(self, *operators: str) -> bool:
        return self.current.kind == "OP" and self.current.text in operators

    def expect_keyword(self, word: str) -> Token:
        if not self.at_keyword(word):
            raise self.unexpected()
        return self.advance()

    def expect_op(self, operator: str) -> Token:
        if not self.at_op(operator):
            raise self.unexpected()
        return self.advance()

    def unexpected(self, token: Token | None = None) -> SoqlError:
        token = token or self.current
        shown = "<EOF>" if token.kind == "EOF" else f"'{token.text}'"
        return _malformed(self.text, token.pos, f"unexpected token: {shown}")

    # -- grammar
    def query(self) -> Query:
        self.expect_keyword("SELECT")
        query = self.query_body()
        if self.current.kind != "EOF":
            raise self.unexpected()
        return query

    def query_body(self) -> Query:
        """Everything after SELECT: shared by the query and its subqueries."""
        items, count, count_field = self.select_list()
        self.expect_keyword("FROM")
        sobject = self.identifier_any()  # any word: Order and Group are objects too
        where = self.where_clause()
        self.ignored_clauses("WITH")
        order_by = self.order_by_clause()
        limit = self.integer_clause("LIMIT")
        offset = self.integer_clause("OFFSET")
        self.ignored_clauses("FOR")
        fields = [item for item in items if isinstance(item, FieldRef)]
        field_sets = tuple(item for item in items if isinstance(item, str))
        subqueries = tuple(item for item in items if isinstance(item, SubQuery))
        return Query(self.text, sobject.text, sobject.pos, tuple(fields), count, count_field,
                     where, tuple(order_by), limit, offset, field_sets, subqueries)

    def ignored_clauses(self, keyword: str) -> None:
        """WITH SECURITY_ENFORCED / USER_MODE and FOR VIEW / REFERENCE / UPDATE: no effect here."""
        while self.at_keyword(keyword):
            self.advance()
            self.identifier_any()

    def identifier_any(self) -> Token:
        if self.current.kind != "IDENT":
            raise self.unexpected()
        return self.advance()

    def select_list(self) -> tuple[list[FieldRef | str | SubQuery], bool, FieldRef | None]:
        if self.at_keyword("COUNT") and self.tokens[self.index + 1].text == "(":
            self.advance()
            self.expect_op("(")
            counted = None if self.at_op(")") else self.field_ref()
            self.expect_op(")")
            return [], counted is None, counted
        items = [self.select_item()]
        while self.at_op(","):
            self.advance()
            items.append(self.select_item())
        self.reject_duplicates([item for item in items if isinstance(item, FieldRef)])
        return items, False, None

    def select_item(self) -> FieldRef | str | SubQuery:
        if self.at_op("(") and self.tokens[self.index + 1].value == "SELECT":
            start = self.advance().pos
            self.advance()
            inner = self.query_body()
            self.expect_op(")")
            return SubQuery(inner, start)
        if self.at_keyword("FIELDS") and self.tokens[self.index + 1].text == "(":
            self.advance()
            self.advance()
            kind = self.identifier_any()
            if kind.value not in ("ALL", "STANDARD", "CUSTOM"):
                raise self.unexpected(kind)
            self.expect_op(")")
            return str(kind.value)
        return self.field_ref()

    def reject_duplicates(self, fields: list[FieldRef]) -> None:
        seen: set[str] = set()
        for ref in fields:
            key = ref.text.lower()
            if key in seen:
                raise _malformed(self.text, ref.pos, f"duplicate field selected: {ref.text}")
            seen.add(key)

    def identifier(self, dotted: bool = True) -> Token:
        token = self.current
        if token.kind != "IDENT" or (not dotted and "." in token.text):
            raise self.unexpected()
        if token.value in _RESERVED:
            raise self.unexpected()
        return self.advance()

    def field_ref(self) -> FieldRef:
        if self.at_op("("):
            raise _malformed(self.text, self.current.pos,
                             "unexpected token: '(' (subqueries are not supported here)")
        token = self.identifier()
        return FieldRef(tuple(token.text.split(".")), token.pos)

    def where_clause(self) -> Condition | None:
        if not self.at_keyword("WHERE"):
            return None
        self.advance()
        return self.disjunction()

    def disjunction(self) -> Condition:
        operands = [self.conjunction()]
        while self.at_keyword("OR"):
            self.advance()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else BoolOp("OR", tuple(operands))

    def conjunction(self) -> Condition:
        operands = [self.negation()]
        while self.at_keyword("AND"):
            self.advance()
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else BoolOp("AND", tuple(operands))

    def negation(self) -> Condition:
        if self.at_keyword("NOT"):
            self.advance()
            return Not(self.negation())
        if self.at_op("("):
            self.advance()
            inner = self.disjunction()
            self.expect_op(")")
            return inner
        return self.comparison()

    def comparison(self) -> Condition:
        ref = self.field_ref()
        if self.at_keyword("NOT") and self.tokens[self.index + 1].value == "IN":
            self.advance()
            self.advance()
            return self.in_list(ref, negated=True)
        if self.at_keyword("IN"):
            self.advance()
            return self.in_list(ref, negated=False)
        if self.at_keyword("LIKE", "INCLUDES", "EXCLUDES"):
            operator = str(self.advance().value)
            if operator != "LIKE":
                values = self.value_list()
                return Comparison(ref, operator, Literal("list", tuple(v.value for v in values)))
            pattern = self.literal()
            if pattern.kind != "string":
                raise self.unexpected(self.tokens[self.index - 1])
            return Comparison(ref, operator, pattern)
        if not self.at_op("=", "!=", "<>", "<", ">", "<=", ">="):
            raise self.unexpected()
        operator = self.advance().text
        return Comparison(ref, "!=" if operator == "<>" else operator, self.literal())

    def in_list(self, ref: FieldRef, negated: bool) -> InList:
        if self.at_op("(") and self.tokens[self.index + 1].value == "SELECT":
            self.advance()
            self.advance()
            inner = self.query_body()
            self.expect_op(")")
            if len(inner.fields) != 1 or inner.subqueries or inner.field_sets:
                raise _malformed(self.text, inner.sobject_pos,
                                 "Semi join sub-selects can only select one Id or reference field")
            return InList(ref, (), negated, semi_join=inner)
        return InList(ref, self.value_list(), negated)

    def value_list(self) -> tuple[Literal, ...]:
        self.expect_op("(")
        values = [self.literal()]
        while self.at_op(","):
            self.advance()
            values.append(self.literal())
        self.expect_op(")")
        return tuple(values)

    def literal(self) -> Literal:
        token = self.current
        if token.kind == "STRING":
            self.advance()
            return Literal("string", token.value)
        if token.kind == "NUMBER":
            self.advance()
            return Literal("number", token.value)
        if token.kind in ("DATE", "DATETIME"):
            self.advance()
            return Literal(token.kind.lower(), token.value)
        if token.kind == "DATE_LITERAL":
            self.advance()
            return Literal("date_literal", token.value)
        if token.kind == "IDENT" and token.value in ("NULL", "TRUE", "FALSE"):
            self.advance()
            if token.value == "NULL":
                return Literal("null", None)
            return Literal("boolean", token.value == "TRUE")
        raise self.unexpected()

    def order_by_clause(self) -> list[OrderKey]:
        if not self.at_keyword("ORDER"):
            return []
        self.advance()
        self.expect_keyword("BY")
        keys = [self.order_key()]
        while self.at_op(","):
            self.advance()
            keys.append(self.order_key())
        return keys

    def order_key(self) -> OrderKey:
        ref = self.field_ref()
        descending = False
        if self.at_keyword("ASC", "DESC"):
            descending = self.advance().value == "DESC"
        nulls_last: bool | None = None
        if self.at_keyword("NULLS"):
            self.advance()
            if not self.at_keyword("FIRST", "LAST"):
                raise self.unexpected()
            nulls_last = self.advance().value == "LAST"
        return OrderKey(ref, descending, nulls_last)

    def integer_clause(self, keyword: str) -> int | None:
        if not self.at_keyword(keyword):
            return None
        self.advance()
        token = self.current
        if token.kind != "NUMBER" or not isinstance(token.value, int) or token.value < 0:
            raise self.unexpected()
        self.advance()
        return int(token.value)


_RESERVED = {
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT",
    "OFFSET", "NULL", "TRUE", "FALSE", "ASC", "DESC", "NULLS", "GROUP", "HAVING", "WITH",
    "INCLUDES", "EXCLUDES", "USING", "FOR",
}


# ---------------------------------------------------------------------------------------
# Schema resolution (describe payloads, case-insensitive as Salesforce is)


@dataclass
class _Entity:
    name: str
    fields: dict[str, dict[str, Any]]  # lowercased name → describe field
    relationships: dict[str, dict[str, Any]]  # lowercased relationshipName → reference field
    children: dict[str, dict[str, Any]]  # lowercased child relationshipName → childRelationship


@dataclass(frozen=True)
class _Step:
    """One hop of a resolved path: a reference to follow, or the final field."""

    entity: str
    field: dict[str, Any]


@dataclass
class _Schema:
    describe: DescribeFn
    cache: dict[str, _Entity | None] = field(default_factory=dict)

    def entity(self, name: str) -> _Entity | None:
        key = name.lower()
        if key not in self.cache:
            self.cache[key] = self._load(name)
        return self.cache[key]

    def _load(self, name: str) -> _Entity | None:
        payload = self.describe(name)
        if not payload:
            return None
        fields = {f["name"].lower(): f for f in payload.get("fields", [])}
        relationships = {
            f["relationshipName"].lower(): f
            for f in payload.get("fields", [])
            if f.get("relationshipName") and f.get("referenceTo")
        }
        children = {
            str(c["relationshipName"]).lower(): c
            for c in payload.get("childRelationships") or []
            if c.get("relationshipName")
        }
        return _Entity(payload.get("name", name), fields, relationships, children)


@dataclass(frozen=True)
class _Resolved:
    """A field path resolved against describe: hops through references, then a field."""

    ref: FieldRef
    hops: tuple[_Step, ...]  # each hop's field is a reference field
    leaf: _Step

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical names: relationship names for hops, the field name last."""
        hop_names = tuple(str(h.field["relationshipName"]) for h in self.hops)
        return (*hop_names, str(self.leaf.field["name"]))

    @property
    def leaf_type(self) -> str:
        return str(self.leaf.field.get("type", "string"))


def _resolve(schema: _Schema, root: _Entity, ref: FieldRef, text: str) -> _Resolved:
    entity = root
    hops: list[_Step] = []
    for segment in ref.path[:-1]:
        reference = entity.relationships.get(segment.lower())
        target = None
        if reference is not None:
            target = _reference_target(schema, reference, ref.path[len(hops) + 1])
        if reference is None or target is None:
            raise _unknown_relationship(text, ref, segment)
        hops.append(_Step(entity.name, reference))
        entity = target
    leaf = entity.fields.get(ref.path[-1].lower())
    if leaf is None:
        raise _invalid_field(text, ref, ref.path[-1], entity.name)
    return _Resolved(ref, tuple(hops), _Step(entity.name, leaf))


def _reference_target(schema: _Schema, reference: dict[str, Any], next_name: str) -> _Entity | None:
    """The object a reference leads to; for polymorphic ones the first that has the field."""
    targets = [schema.entity(name) for name in reference.get("referenceTo", [])]
    found = [t for t in targets if t is not None]
    for target in found:
        if next_name.lower() in target.fields or next_name.lower() in target.relationships:
            return target
    return found[0] if found else None


def _invalid_field(text: str, ref: FieldRef, shown: str, entity: str) -> SoqlError:
    message = (
        f"No such column '{shown}' on entity '{entity}'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference your "
        "WSDL or the describe call for the appropriate names."
    )
    return SoqlError("INVALID_FIELD", positioned(text, ref.pos, message))


def _unknown_relationship(text: str, ref: FieldRef, segment: str) -> SoqlError:
    message = (
        f"Didn't understand relationship '{segment}' in field path. If you are attempting to use "
        "a custom relationship, be sure to append the '__r' after the custom relationship name. "
        "Please reference your WSDL or the describe call for the appropriate names."
    )
    return SoqlError("INVALID_FIELD", positioned(text, ref.pos, message))


def _invalid_type(query: Query) -> SoqlError:
    message = (
        f"sObject type '{query.sobject}' is not supported. If you are attempting to use a custom "
        "object, be sure to append the '__c' after the entity name. Please reference your WSDL "
        "or the describe call for the appropriate names."
    )
    return SoqlError("INVALID_TYPE", positioned(query.text, query.sobject_pos, message))


# ---------------------------------------------------------------------------------------
# Values


def raw_value(record: Record, name: str) -> Any:
    """A record's value of field ``name`` as a condition reads it (any case of the name)."""
    return _raw(record, name)


def _raw(record: Record, name: str) -> Any:
    """``record[name]`` trying the canonical spelling first, then any case."""
    if name in record:
        return record[name]
    lowered = name.lower()
    for key, value in record.items():
        if key.lower() == lowered:
            return value
    return None


_NUMERIC_TYPES = {"double", "currency", "percent", "int", "long"}


def _typed(value: Any, field_type: str) -> Any:
    """A record value as a comparable Python value for its describe type."""
    if value is None:
        return None
    if field_type == "datetime":
        return _as_datetime(value)
    if field_type == "date":
        return _as_date(value)
    if field_type in _NUMERIC_TYPES and isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    if field_type == "boolean" and isinstance(value, str):
        return value.lower() == "true"
    return value


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        return parse_datetime(str(value))
    except ValueError:
        return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def render_value(value: Any, field_type: str) -> Any:
    """A value as the REST API writes it in JSON (dates as Salesforce formats them)."""
    if value is None:
        return None
    if field_type == "datetime" or isinstance(value, datetime):
        moment = _as_datetime(value)
        if moment is None:
            return value
        moment = moment.astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
    if field_type == "date" or isinstance(value, date):
        day = _as_date(value)
        return day.isoformat() if day else value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# ---------------------------------------------------------------------------------------
# Date literals


def date_range(name: str, n: int, today: date) -> tuple[date, date]:
    """The half-open day range [start, end) a relative date literal stands for."""
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday
    month_start = today.replace(day=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    fixed: dict[str, tuple[date, date]] = {
        "TODAY": (today, today + timedelta(days=1)),
        "YESTERDAY": (today - timedelta(days=1), today),
        "TOMORROW": (today + timedelta(days=1), today + timedelta(days=2)),
        "THIS_WEEK": (week_start, week_start + timedelta(days=7)),
        "LAST_WEEK": (week_start - timedelta(days=7), week_start),
        "NEXT_WEEK": (week_start + timedelta(days=7), week_start + timedelta(days=14)),
        "THIS_MONTH": (month_start, _add_months(month_start, 1)),
        "LAST_MONTH": (_add_months(month_start, -1), month_start),
        "NEXT_MONTH": (_add_months(month_start, 1), _add_months(month_start, 2)),
        "THIS_QUARTER": (quarter_start, _add_months(quarter_start, 3)),
        "LAST_QUARTER": (_add_months(quarter_start, -3), quarter_start),
        "NEXT_QUARTER": (_add_months(quarter_start, 3), _add_months(quarter_start, 6)),
        "THIS_YEAR": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "LAST_YEAR": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        "NEXT_YEAR": (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
        "LAST_90_DAYS": (today - timedelta(days=90), today + timedelta(days=1)),
        "NEXT_90_DAYS": (today + timedelta(days=1), today + timedelta(days=91)),
    }
    if name in fixed:
        return fixed[name]
    return _n_range(name, n, today, week_start, month_start)


def _n_range(name: str, n: int, today: date, week_start: date, month_start: date) -> tuple[date, date]:
    tomorrow = today + timedelta(days=1)
    ranges: dict[str, tuple[date, date]] = {
        # LAST_N_DAYS:n starts n days ago and runs through today, as Salesforce documents
        "LAST_N_DAYS": (today - timedelta(days=n), tomorrow),
        "NEXT_N_DAYS": (tomorrow, tomorrow + timedelta(days=n)),
        "N_DAYS_AGO": (today - timedelta(days=n), today - timedelta(days=n - 1)),
        "LAST_N_WEEKS": (week_start - timedelta(weeks=n), week_start),
        "NEXT_N_WEEKS": (week_start + timedelta(weeks=1), week_start + timedelta(weeks=n + 1)),
        "N_WEEKS_AGO": (week_start - timedelta(weeks=n), week_start - timedelta(weeks=n - 1)),
        "LAST_N_MONTHS": (_add_months(month_start, -n), month_start),
        "NEXT_N_MONTHS": (_add_months(month_start, 1), _add_months(month_start, n + 1)),
        "N_MONTHS_AGO": (_add_months(month_start, -n), _add_months(month_start, 1 - n)),
        "LAST_N_YEARS": (date(today.year - n, 1, 1), date(today.year, 1, 1)),
        "NEXT_N_YEARS": (date(today.year + 1, 1, 1), date(today.year + n + 1, 1, 1)),
        "N_YEARS_AGO": (date(today.year - n, 1, 1), date(today.year - n + 1, 1, 1)),
    }
    return ranges[name]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# ---------------------------------------------------------------------------------------
# Evaluation


@dataclass
class _Context:
    schema: _Schema
    root: _Entity
    records: RecordsFn
    lookup: LookupFn
    now: datetime
    index: Indexes | None = None  # serves conditions on id and lookup fields without a scan
    resolved: dict[FieldRef, _Resolved] = field(default_factory=dict)
    children: dict[SubQuery, _ChildContext] = field(default_factory=dict)
    semi_joins: dict[int, tuple[_Context, Query, set[str] | None]] = field(default_factory=dict)

    def resolve(self, ref: FieldRef, text: str) -> _Resolved:
        if ref not in self.resolved:
            self.resolved[ref] = _resolve(self.schema, self.root, ref, text)
        return self.resolved[ref]

    def prepare_semi_join(self, query: Query) -> None:
        """Validate a semi-join's query now; its values are read on first use."""
        inner_root = self.schema.entity(query.sobject)
        if inner_root is None:
            raise _invalid_type(query)
        inner = _Context(self.schema, inner_root, self.records, self.lookup, self.now, self.index)
        _resolve_all(inner, query)
        self.semi_joins[id(query)] = (inner, query, None)

    def semi_join_values(self, query: Query) -> set[str]:
        """The ids a semi-join selects (15-character keys), computed once per query run."""
        inner, inner_query, values = self.semi_joins[id(query)]
        if values is None:
            resolved = inner.resolve(inner_query.fields[0], inner_query.text)
            values = {str(v)[:15] for r in _select(inner, inner_query)
                      if (v := _value(inner, r, resolved)) is not None}
            self.semi_joins[id(query)] = (inner, inner_query, values)
        return values


@dataclass
class _ChildContext:
    """A subquery ready to run: its context, its query, and the child rows by parent id."""

    ctx: _Context
    query: Query
    relationship: str
    field: str
    by_parent: dict[str, list[Record]] | None = None

    def rows_for(self, parent_id: str) -> list[Record]:
        if self.by_parent is None:
            self.by_parent = {}
            for row in self.ctx.records(self.ctx.root.name):
                if row.get("IsDeleted"):
                    continue
                key = str(_raw(row, self.field) or "")[:15]
                if key:
                    self.by_parent.setdefault(key, []).append(row)
        return self.by_parent.get(parent_id[:15], [])


def _related(ctx: _Context, record: Record, hop: _Step) -> Record | None:
    """The record a reference hop leads to: an embedded dict, else looked up by id."""
    embedded = _raw(record, str(hop.field["relationshipName"]))
    if isinstance(embedded, Mapping):
        return embedded
    target_id = _raw(record, str(hop.field["name"]))
    if not target_id:
        return None
    for target in hop.field.get("referenceTo", []):
        found = ctx.lookup(str(target), str(target_id))
        if found is not None:
            return found
    return None


def _value(ctx: _Context, record: Record, resolved: _Resolved) -> Any:
    current: Record | None = record
    for hop in resolved.hops:
        current = _related(ctx, current, hop) if current is not None else None
    if current is None:
        return None
    return _typed(_raw(current, str(resolved.leaf.field["name"])), resolved.leaf_type)


def _matches(ctx: _Context, record: Record, condition: Condition, text: str) -> bool:
    if isinstance(condition, BoolOp):
        results = (_matches(ctx, record, o, text) for o in condition.operands)
        return all(results) if condition.operator == "AND" else any(results)
    if isinstance(condition, Not):
        return not _matches(ctx, record, condition.operand, text)
    resolved = ctx.resolve(condition.field, text)
    actual = _value(ctx, record, resolved)
    if isinstance(condition, InList):
        if condition.semi_join is not None:
            hit = actual is not None and str(actual)[:15] in ctx.semi_join_values(condition.semi_join)
        else:
            hit = any(_compare(actual, "=", v, resolved.leaf_type, ctx.now) for v in condition.values)
        return hit != condition.negated
    return _compare(actual, condition.operator, condition.value, resolved.leaf_type, ctx.now)


def _compare(actual: Any, operator: str, literal: Literal, field_type: str, now: datetime) -> bool:
    if operator == "LIKE":
        return actual is not None and _like(str(literal.value)).fullmatch(str(actual)) is not None
    if operator in ("INCLUDES", "EXCLUDES"):
        chosen = {v.lower() for v in str(actual or "").split(";") if v}
        wanted = {str(v).lower() for v in literal.value}
        return bool(chosen & wanted) == (operator == "INCLUDES")
    if literal.kind == "null" or actual is None:
        both_null = literal.kind == "null" and actual is None
        return both_null if operator == "=" else (not both_null if operator == "!=" else False)
    if literal.kind == "date_literal":
        return _compare_range(actual, operator, literal.value, field_type, now)
    expected = _coerce_literal(literal, field_type)
    left, right = _comparable(actual, expected, field_type)
    return _apply(operator, left, right)


def _coerce_literal(literal: Literal, field_type: str) -> Any:
    value = literal.value
    if field_type == "datetime" and literal.kind in ("date", "datetime"):
        return _as_datetime(value)
    if field_type == "date" and literal.kind in ("date", "datetime"):
        return _as_date(value)
    if literal.kind == "number" and isinstance(value, int):
        return Decimal(value)
    return value


def _comparable(actual: Any, expected: Any, field_type: str) -> tuple[Any, Any]:
    """Both sides in one type: text compares case-insensitively, ids by their first 15."""
    if isinstance(expected, Decimal) and isinstance(actual, int | float) and not isinstance(
        actual, bool
    ):
        return Decimal(str(actual)), expected
    if isinstance(expected, str) and isinstance(actual, str):
        if field_type in ("id", "reference") and 15 in (len(actual), len(expected)):
            return actual[:15], expected[:15]
        return actual.lower(), expected.lower()
    if isinstance(expected, str) and not isinstance(actual, str):
        return str(render_value(actual, field_type)).lower(), expected.lower()
    return actual, expected


def _apply(operator: str, left: Any, right: Any) -> bool:
    try:
        if operator == "=":
            return bool(left == right)
        if operator == "!=":
            return bool(left != right)
        if operator == "<":
            return bool(left < right)
        if operator == ">":
            return bool(left > right)
        if operator == "<=":
            return bool(left <= right)
        if operator == ">=":
            return bool(left >= right)
    except TypeError:
        return False
    raise ValueError(f"unknown operator {operator}")


def _compare_range(
    actual: Any, operator: str, literal: tuple[str, int], field_type: str, now: datetime
) -> bool:
    start, end = date_range(literal[0], literal[1], now.astimezone(UTC).date())
    if field_type == "date" or (isinstance(actual, date) and not isinstance(actual, datetime)):
        value: Any = _as_date(actual)
        low: Any = start
        high: Any = end
    else:
        value = _as_datetime(actual)
        low = datetime(start.year, start.month, start.day, tzinfo=UTC)
        high = datetime(end.year, end.month, end.day, tzinfo=UTC)
    if value is None:
        return False
    checks = {
        "=": low <= value < high,
        "!=": not low <= value < high,
        "<": value < low,
        "<=": value < high,
        ">": value >= high,
        ">=": value >= low,
    }
    return bool(checks[operator])


@functools.lru_cache(maxsize=256)
def _like(pattern: str) -> re.Pattern[str]:
    """A LIKE pattern (% any run, _ one character, backslash escapes) as a regex."""
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


# ---------------------------------------------------------------------------------------
# Index use: an id or lookup field's condition read from a sorted index, as Salesforce's
# query optimizer does, instead of a scan of the whole object


INDEXED_TYPES = frozenset({"id", "reference"})


@dataclass(frozen=True)
class KeyRange:
    """Index keys between two bounds (None: unbounded; open: the bound itself excluded), or the null keys."""

    low: str | None = None
    low_open: bool = False
    high: str | None = None
    high_open: bool = False
    null: bool = False


class IndexedRows(Protocol):
    """The rows an index found for some key ranges: a superset of the matches, in the scan's order."""

    size: int

    def __iter__(self) -> Iterator[Record]: ...


class Indexes(Protocol):
    """What an org offers a query besides its rows: index look-ups, and narrow rows of the fields a query
    reads, made without their whole records."""

    def find(self, object_name: str, field: str, ranges: tuple[KeyRange, ...],
             fields: frozenset[str] | None) -> IndexedRows | None:
        """Candidate rows holding every row whose `field` key lies in `ranges` (narrow rows of `fields` where
        the org makes them, else whole rows); None: no index serves it."""

    def narrow(self, object_name: str, fields: frozenset[str]) -> Iterable[Record] | None:
        """Every row (as a scan reads them) with `fields` only; None when the object cannot make them."""


def index_key(value: Any) -> str | None:
    """The key an id or lookup value sorts by: lowercased, as it compares with a literal of other than 15
    characters (`_comparable`); None for null. ValueError for a value compared otherwise (a 15-character
    id is compared case-sensitively, a non-text value by its rendering): an index cannot serve it."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) == 15:
        raise ValueError(f"not an indexable id: {value!r}")
    return value.lower()


@dataclass(frozen=True)
class _Probe:
    field: str
    ranges: tuple[KeyRange, ...]


def _indexed_rows(ctx: _Context, query: Query) -> IndexedRows | None:
    """The fewest candidate rows an index gives for the WHERE clause (a probe of it, or of one of its AND
    operands); None when no index serves it, and the object is scanned."""
    where, text = query.where, query.text
    if ctx.index is None or where is None:
        return None
    operands = where.operands if isinstance(where, BoolOp) and where.operator == "AND" else ()
    probes = [probe for c in (where, *operands) if (probe := _probe(ctx, c, text)) is not None]
    fields = _fields_read(ctx, query) if probes else None
    found = [rows for p in probes if (rows := ctx.index.find(ctx.root.name, p.field, p.ranges, fields)) is not None]
    return min(found, key=lambda rows: rows.size) if found else None


def _probe(ctx: _Context, condition: Condition, text: str) -> _Probe | None:
    """The key ranges of one indexed column that hold every row ``condition`` can match, if there are."""
    if isinstance(condition, Comparison):
        return _comparison_probe(ctx, condition, text)
    if isinstance(condition, InList):
        if condition.negated or condition.semi_join is not None:
            return None
        parts = [_comparison_probe(ctx, Comparison(condition.field, "=", v), text) for v in condition.values]
        return _combined("OR", parts)
    if isinstance(condition, BoolOp):
        return _combined(condition.operator, [_probe(ctx, o, text) for o in condition.operands])
    return None


def _comparison_probe(ctx: _Context, condition: Comparison, text: str) -> _Probe | None:
    resolved = ctx.resolve(condition.field, text)
    if resolved.hops or resolved.leaf_type not in INDEXED_TYPES:
        return None
    name, literal, operator = str(resolved.leaf.field["name"]), condition.value, condition.operator
    if literal.kind == "null":
        return _Probe(name, (KeyRange(null=True),)) if operator == "=" else None
    if literal.kind != "string" or len(str(literal.value)) == 15:  # a 15-character id compares case-sensitively
        return None
    key = str(literal.value).lower()
    ranges = {"=": KeyRange(key, False, key, False), "<": KeyRange(high=key, high_open=True),
              "<=": KeyRange(high=key), ">": KeyRange(low=key, low_open=True), ">=": KeyRange(low=key)}
    return _Probe(name, (ranges[operator],)) if operator in ranges else None


def _combined(operator: str, probes: list[_Probe | None]) -> _Probe | None:
    """OR: the union of the operands' ranges; AND: their intersection (one column only)."""
    if not probes or any(p is None for p in probes) or len({p.field for p in probes if p}) != 1:
        return None
    present = [p for p in probes if p is not None]
    if operator == "OR":
        return _Probe(present[0].field, tuple(r for p in present for r in p.ranges))
    ranges = present[0].ranges
    for probe in present[1:]:
        ranges = tuple(r for a in ranges for b in probe.ranges if (r := _intersection(a, b)) is not None)
    return _Probe(present[0].field, ranges)


def _intersection(a: KeyRange, b: KeyRange) -> KeyRange | None:
    if a.null or b.null:
        return a if a.null and b.null else None
    low, low_open = _tighter(a.low, a.low_open, b.low, b.low_open, higher=True)
    high, high_open = _tighter(a.high, a.high_open, b.high, b.high_open, higher=False)
    if low is not None and high is not None and (low > high or (low == high and (low_open or high_open))):
        return None
    return KeyRange(low, low_open, high, high_open)


def _tighter(a: str | None, a_open: bool, b: str | None, b_open: bool, *, higher: bool) -> tuple[str | None, bool]:
    """Of two bounds the one that excludes more: the higher low bound, the lower high bound."""
    if a is None or b is None:
        return (b, b_open) if a is None else (a, a_open)
    if a == b:
        return a, a_open or b_open
    return (a, a_open) if (a > b) == higher else (b, b_open)


# ---------------------------------------------------------------------------------------
# Ordering


class _Reversed:
    """Inverts ordering for a DESC key inside a tuple sort key."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and bool(self.value == other.value)


def _sort_value(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return Decimal(str(value))
    return value


def _order_key(ctx: _Context, keys: list[tuple[OrderKey, _Resolved]]) -> Callable[[Record], Any]:
    def key(record: Record) -> tuple[Any, ...]:
        parts: list[Any] = []
        for order, resolved in keys:
            value = _value(ctx, record, resolved)
            nulls_last = order.nulls_last if order.nulls_last is not None else order.descending
            # nulls sort by a rank placed before the value, so no None is ever compared
            null_rank = (1 if value is None else 0) if nulls_last else (0 if value is None else 1)
            sortable = _sort_value(value) if value is not None else 0
            parts.append(null_rank)
            parts.append(_Reversed(sortable) if order.descending else sortable)
        return tuple(parts)

    return key


# ---------------------------------------------------------------------------------------
# Shaping rows


def _shape(
    ctx: _Context, record: Record, query: Query, base_url: str
) -> dict[str, Any]:
    row: dict[str, Any] = {"attributes": _attributes(ctx.root.name, record, base_url)}
    for ref in query.fields:
        resolved = ctx.resolve(ref, query.text)
        _place(ctx, row, record, resolved, base_url)
    for sub in query.subqueries:
        child = ctx.children[sub]
        row[child.relationship] = _child_rows(child, str(_raw(record, "Id") or ""), base_url)
    return row


def _child_rows(child: _ChildContext, parent_id: str, base_url: str) -> dict[str, Any] | None:
    """A subquery's result for one parent: a nested query result, or null when empty."""
    candidates = iter(child.rows_for(parent_id)) if parent_id else iter(())
    rows = [_shape(child.ctx, r, child.query, base_url) for r in _select(child.ctx, child.query, candidates)]
    if not rows:
        return None
    return {"totalSize": len(rows), "done": True, "records": rows}


def _attributes(entity: str, record: Record, base_url: str) -> dict[str, Any]:
    attributes: dict[str, Any] = {"type": entity}
    record_key = _raw(record, "Id")
    if not record_key or record_key == CATALOG_ROW_ID:
        # metadata-catalog rows (EntityDefinition…) share a placeholder Id; urls use DurableId
        record_key = _raw(record, "DurableId") or record_key
    if record_key:
        attributes["url"] = f"{base_url}/{entity}/{record_key}"
    return attributes


def _place(
    ctx: _Context, row: dict[str, Any], record: Record, resolved: _Resolved, base_url: str
) -> None:
    """Write one selected field into ``row``, nesting relationship hops as sub-records."""
    target = row
    current: Record | None = record
    for hop in resolved.hops:
        name = str(hop.field["relationshipName"])
        related = _related(ctx, current, hop) if current is not None else None
        if related is None:
            target.setdefault(name, None)
            return
        nested = target.get(name)
        if not isinstance(nested, dict):
            entity = _type_of(ctx, related, hop)
            nested = {"attributes": _attributes(entity, related, base_url)}
            target[name] = nested
        target, current = nested, related
    leaf = resolved.leaf.field
    raw = _raw(current, str(leaf["name"])) if current is not None else None
    target[str(leaf["name"])] = render_value(raw, resolved.leaf_type)


def _type_of(ctx: _Context, related: Record, hop: _Step) -> str:
    attributes = related.get("attributes")
    if isinstance(attributes, Mapping) and attributes.get("type"):
        return str(attributes["type"])
    targets = [str(t) for t in hop.field.get("referenceTo", [])]
    if len(targets) > 1:
        prefix = str(_raw(related, "Id") or "")[:3]
        for target in targets:
            entity = ctx.schema.describe(target) or {}
            if entity.get("keyPrefix") and entity.get("keyPrefix") == prefix:
                return target
    return targets[0] if targets else "sObject"


# ---------------------------------------------------------------------------------------
# The public entry points


def execute(
    query: Query,
    records: RecordsFn,
    *,
    describe: DescribeFn,
    lookup: LookupFn | None = None,
    now: datetime | None = None,
    base_url: str = "/services/data/v62.0/sobjects",
    index: Indexes | None = None,
) -> Iterator[dict[str, Any]]:
    """Validate ``query`` now (raising ``SoqlError``) and return an iterator of shaped rows.

    ``records(object_name)`` yields raw rows; ``lookup(object_name, id)`` finds the target of
    a relationship path (defaults to scanning ``records``, so pass one for large objects).
    ``base_url`` prefixes ``attributes.url`` (``…/tooling/sobjects`` for the Tooling API).
    A parent-to-child subquery indexes the child object once, on first use (one pass over
    its rows, ids kept in memory): fine for related lists, costly for millions of children.
    """
    ctx, query = _context(query, records, describe, lookup, now, index)
    if query.count or query.count_field is not None:
        return iter([_aggregate_row(ctx, query)]) if query.count_field is not None else iter(())
    selected = _select(ctx, query)
    return (_shape(ctx, record, query, base_url) for record in selected)


def count(
    query: Query,
    records: RecordsFn,
    *,
    describe: DescribeFn,
    lookup: LookupFn | None = None,
    now: datetime | None = None,
    index: Indexes | None = None,
) -> int:
    """How many rows ``query`` matches (what SELECT COUNT() answers in ``totalSize``)."""
    ctx, query = _context(query, records, describe, lookup, now, index)
    return sum(1 for _ in _select(ctx, query, ordered=False))


def matching_records(
    query: Query,
    records: RecordsFn,
    *,
    describe: DescribeFn,
    lookup: LookupFn | None = None,
    now: datetime | None = None,
    index: Indexes | None = None,
) -> Iterator[Record]:
    """The raw records ``query`` selects (filtered, ordered, limited), unshaped."""
    ctx, query = _context(query, records, describe, lookup, now, index)
    return _select(ctx, query)


def columns(query: Query, *, describe: DescribeFn) -> list[tuple[str, ...]]:
    """The canonical path of every selected field (``("Owner", "Name")``), in SELECT order."""
    schema = _Schema(describe)
    root = schema.entity(query.sobject)
    if root is None:
        raise _invalid_type(query)
    query = _expand_field_sets(query, root)
    return [_resolve(schema, root, ref, query.text).names for ref in query.fields]


def _context(
    query: Query,
    records: RecordsFn,
    describe: DescribeFn,
    lookup: LookupFn | None,
    now: datetime | None,
    index: Indexes | None = None,
) -> tuple[_Context, Query]:
    schema = _Schema(describe)
    root = schema.entity(query.sobject)
    if root is None:
        raise _invalid_type(query)
    query = _expand_field_sets(query, root)
    ctx = _Context(schema, root, records, lookup or _scanning_lookup(records),
                   now or datetime.now(UTC), index)
    _resolve_all(ctx, query)
    for sub in query.subqueries:
        ctx.children[sub] = _child_context(ctx, sub)
    return ctx, query


def _resolve_all(ctx: _Context, query: Query) -> None:
    """Resolve every path the query names now, so errors surface before any row is read."""
    for ref in query.fields:
        ctx.resolve(ref, query.text)
    for condition in query.conditions():
        ctx.resolve(condition.field, query.text)
        if isinstance(condition, InList) and condition.semi_join is not None:
            ctx.prepare_semi_join(condition.semi_join)
    for order in query.order_by:
        ctx.resolve(order.field, query.text)
    if query.count_field is not None:
        ctx.resolve(query.count_field, query.text)


def _expand_field_sets(query: Query, root: _Entity) -> Query:
    """FIELDS(ALL|STANDARD|CUSTOM) as the describe's field names, after the named fields."""
    if not query.field_sets:
        return query
    unbounded = {"ALL", "CUSTOM"} & set(query.field_sets)
    if unbounded and (query.limit is None or query.limit > 200):
        pos = query.text.upper().find("FIELDS(")
        raise _malformed(query.text, max(pos, 0),
                         "The SOQL FIELDS function must have a LIMIT of at most 200")
    named = {ref.text.lower() for ref in query.fields}
    pos = query.fields[0].pos if query.fields else query.sobject_pos
    added: list[FieldRef] = []
    for field_ in root.fields.values():
        custom = bool(field_.get("custom", str(field_["name"]).endswith("__c")))
        wanted = ("ALL" in query.field_sets or ("CUSTOM" in query.field_sets and custom)
                  or ("STANDARD" in query.field_sets and not custom))
        if wanted and str(field_["name"]).lower() not in named:
            added.append(FieldRef((str(field_["name"]),), pos))
    return dataclasses.replace(query, fields=(*query.fields, *added), field_sets=())


def _child_context(ctx: _Context, sub: SubQuery) -> _ChildContext:
    relationship = ctx.root.children.get(sub.query.sobject.lower())
    if relationship is None:
        raise _unknown_relationship(sub.query.text, FieldRef((sub.query.sobject,), sub.query.sobject_pos),
                                    sub.query.sobject)
    child = ctx.schema.entity(str(relationship["childSObject"]))
    if child is None:
        raise _unknown_relationship(sub.query.text, FieldRef((sub.query.sobject,), sub.query.sobject_pos),
                                    sub.query.sobject)
    inner = _Context(ctx.schema, child, ctx.records, ctx.lookup, ctx.now)
    query = _expand_field_sets(sub.query, child)
    _resolve_all(inner, query)
    return _ChildContext(inner, query, str(relationship["relationshipName"]), str(relationship["field"]))


def _scanning_lookup(records: RecordsFn) -> LookupFn:
    cache: dict[str, dict[str, Record]] = {}

    def lookup(object_name: str, record_id: str) -> Record | None:
        if object_name not in cache:
            cache[object_name] = {str(_raw(r, "Id"))[:15]: r for r in records(object_name)}
        return cache[object_name].get(record_id[:15])

    return lookup


def _select(
    ctx: _Context, query: Query, source: Iterable[Record] | None = None, ordered: bool = True
) -> Iterator[Record]:
    if source is None:
        indexed = _indexed_rows(ctx, query)
        source = indexed if indexed is not None else _scanned_rows(ctx, query)
    if query.where is not None:
        where = query.where
        source = (r for r in source if _matches(ctx, r, where, query.text))
    start = query.offset or 0
    stop = None if query.limit is None else start + query.limit
    if ordered and query.order_by:
        keys = [(o, ctx.resolve(o.field, query.text)) for o in query.order_by]
        key = _order_key(ctx, keys)
        # sorting needs every matching row; with LIMIT a heap keeps only OFFSET+LIMIT of them
        source = heapq.nsmallest(stop, source, key=key) if stop is not None else sorted(
            source, key=key)
    return itertools.islice(source, start, stop)


def _scanned_rows(ctx: _Context, query: Query) -> Iterable[Record]:
    """Every row of the object: narrow ones when the query reads only fields the org makes cheaply."""
    fields = _fields_read(ctx, query)
    narrow = ctx.index.narrow(ctx.root.name, fields) if ctx.index is not None and fields is not None else None
    return narrow if narrow is not None else ctx.records(ctx.root.name)


def _fields_read(ctx: _Context, query: Query) -> frozenset[str] | None:
    """The fields a query reads of its object's rows (Id for a row's url); None when it reads related records."""
    if query.subqueries:
        return None
    refs = [*query.fields, *(c.field for c in query.conditions()), *(o.field for o in query.order_by),
            *([query.count_field] if query.count_field is not None else [])]
    resolved = [ctx.resolve(ref, query.text) for ref in refs]
    if any(r.hops for r in resolved):
        return None
    shaped = () if query.count or query.count_field is not None else ("Id",)  # a count shapes no row
    return frozenset({*shaped, *(str(r.leaf.field["name"]) for r in resolved)})


def _aggregate_row(ctx: _Context, query: Query) -> dict[str, Any]:
    assert query.count_field is not None
    resolved = ctx.resolve(query.count_field, query.text)
    counted = sum(1 for r in _select(ctx, query, ordered=False)
                  if _value(ctx, r, resolved) is not None)
    return {"attributes": {"type": "AggregateResult"}, "expr0": counted}
