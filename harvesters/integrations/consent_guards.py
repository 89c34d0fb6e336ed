"""Which consent or opt-out checks guard an Apex class's callouts and DML, read from its code paths.

A check counts only when it stands on the path to the callout or DML statement (a "sink"), so a
consent field merely selected, logged or read in a method the sink never passes through counts for
nothing. The analysis works on lexed code (comments blanked, strings lifted) with brace-matched
blocks, and is deliberately bounded; a sink counts as guarded when one of these holds:

- an enclosing `if` whose condition asserts consent in one of its `&&` terms (`!c.HasOptedOutOfEmail`,
  `c.HasOptedOutProcessing == false`, `c.PrivacyConsentStatus == 'OptIn'`, `hasConsent(c)`, a local
  Boolean assigned from such a term, a set built only from consented records `.contains(…)`), or the
  `else` of an `if` one of whose `||` terms denies it;
- an earlier `if (<denies consent>) return / throw / continue` in a block enclosing the sink;
- an enclosing `for (X x : <consented records>)`, where consented records are a SOQL query filtering
  on an opt-out or consent status (`WHERE HasOptedOutSolicit = false`), a private method returning
  only such records, or a local collection every `add` / `put` of which is itself guarded;
- a batch class's `execute(Database.BatchableContext, …)` when `start` returns a consent-filtered query;
- the sink's method is private and every call of it in the class is guarded (or passes it only
  consented collections).

Not understood, so not counted: checks in another class (except calls whose name says they check
consent), data flow through fields or maps, triggers, and dynamic SOQL built from pieces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

OPT_OUT_FLAGS = frozenset({
    "HasOptedOutProcessing", "HasOptedOutProfiling", "HasOptedOutSolicit", "HasOptedOutTracking",
    "HasOptedOutGeoTracking", "ShouldForget", "HasOptedOutOfEmail", "PersonHasOptedOutOfEmail",
    "HasOptedOutOfFax", "DoNotCall", "PersonDoNotCall",
})
CONSENT_STATUS = "PrivacyConsentStatus"
MAX_CALL_DEPTH = 6  # call chains inside one class are short; deeper ones count as unguarded
MAX_CHECK_TEXT = 200

_STRING_TOKEN = re.compile(r"\x00(\d+)\x00")
_METHOD = re.compile(
    r"(?P<head>(?:@\w+(?:\s*\([^)]*\))?\s*)*(?:(?:public|private|protected|global|static|override|virtual|"
    r"abstract|webservice|testMethod|final|transient)\s+)*)"
    r"(?P<type>[\w.]+(?:\s*<[\w\s.,<>]*>)?(?:\s*\[\s*\])?)\s+(?P<name>\w+)\s*\((?P<params>[^()]*)\)\s*\{")
_NOT_METHOD_NAMES = frozenset({"if", "for", "while", "catch", "switch", "when", "return", "new", "else"})
_ENTRY_MODIFIERS = re.compile(r"\b(public|global|protected|webservice)\b|@", re.IGNORECASE)
_CONTROL = re.compile(r"\b(if|for|while)\s*\(")
_INLINE_SOQL = re.compile(r"\[\s*SELECT\b", re.IGNORECASE)
_CALLOUT_SINK = re.compile(r"\bnew\s+Http\s*\(\s*\)\s*\.\s*send\s*\(")
_DML_SINK = re.compile(r"(?<![\w.])(insert|update|upsert|delete|undelete|merge)\s+(?=[\w(\[])"
                       r"|\bDatabase\s*\.\s*(insert|update|upsert|delete|undelete|merge)\w*\s*\(", re.IGNORECASE)
_CALL = re.compile(r"(?<![\w.])(?:this\s*\.\s*)?(\w+)\s*\(")
_EXIT = re.compile(r"\s*(?:\{\s*)?(return|throw|continue)\b")
_FOR_EACH = re.compile(r"^\s*[\w.]+(?:\s*<[\w\s.,<>]*>)?\s+\w+\s*:(?P<iterable>.*)$", re.DOTALL)
_CONSENT_CALL = re.compile(r"\w*(?:consent|optedout|optout|optin|forget)\w*\(", re.IGNORECASE)
_DENYING_CALL = re.compile(r"optedout|optout|forget", re.IGNORECASE)
_EMPTY_COLLECTION = re.compile(r"^new\s+(?:List|Set|Map)\s*<[^;]*>\s*\(\s*\)$")
_COLLECTION_TYPE = re.compile(r"^(?:List|Set|Map)\s*<|\[\s*\]$")
_SOQL_END = re.compile(r"\b(?:WITH|GROUP\s+BY|ORDER\s+BY|LIMIT|OFFSET|FOR\s+(?:UPDATE|VIEW|REFERENCE))\b",
                       re.IGNORECASE)


@dataclass(frozen=True)
class ConsentGuard:
    """One consent or opt-out check found on a sink's path: what it reads, where it is written."""

    check: str  # the check as written, e.g. "if (!c.HasOptedOutOfEmail)"
    line: int
    method: str
    fields: frozenset[str]  # the consent fields (or check methods, `hasConsent()`) it reads


@dataclass(frozen=True)
class Sink:
    kind: str  # callout / dml
    line: int
    method: str
    guards: tuple[ConsentGuard, ...]  # empty: unguarded on at least one path

    @property
    def checks(self) -> frozenset[str]:
        return frozenset(name for guard in self.guards for name in guard.fields)


@dataclass(frozen=True)
class _Method:
    name: str
    params: str
    entry: bool  # callable from outside the class
    header: int
    open: int  # index of the body's `{`
    close: int  # index just past the body's `}`


@dataclass(frozen=True)
class _Construct:
    """An `if`, `for` or `while` with its condition and bodies (a body is a block or one statement)."""

    keyword: str
    start: int
    condition: tuple[int, int]  # inside the parentheses
    body: tuple[int, int]
    otherwise: tuple[int, int] | None = None


class _Polarity:
    ASSERTS = 1
    DENIES = -1
    UNKNOWN = 0


def find_sinks(code: str, strings: tuple[str, ...]) -> tuple[Sink, ...]:
    """Every callout and DML statement of lexed Apex with the consent guards on its path."""
    return _Reader(code, strings).sinks()


class _Reader:
    def __init__(self, code: str, strings: tuple[str, ...]) -> None:
        self.code = code
        self.strings = strings
        self.soql = inline_soql_spans(code)
        self.methods = _methods(code)
        self.constructs = _constructs(code)
        self.active: set[tuple[str, int]] = set()  # guards being worked out: re-entering one is a cycle
        self._call_sites: dict[str, list[tuple[int, int]]] | None = None

    # --- sinks ---------------------------------------------------------------------------------

    def sinks(self) -> tuple[Sink, ...]:
        found: list[Sink] = []
        clients = "|".join(re.escape(name) for name in re.findall(r"\bHttp\s+(\w+)\s*[=;]", self.code))
        callout = re.compile(_CALLOUT_SINK.pattern + (rf"|(?<![\w.])(?:{clients})\s*\.\s*send\s*\(" if clients else ""))
        for kind, pattern in (("callout", callout), ("dml", _DML_SINK)):
            for match in pattern.finditer(self.code):
                method = self.method_at(match.start())
                if method is None or self.in_soql(match.start()):
                    continue
                guards = self.path_guards(method, match.start(), depth=0, visiting=frozenset())
                found.append(Sink(kind, self.line(match.start()), method.name, tuple(guards)))
        return tuple(sorted(found, key=lambda sink: sink.line))

    def path_guards(self, method: _Method, position: int, *, depth: int,
                    visiting: frozenset[str]) -> list[ConsentGuard]:
        local = self.local_guards(method, position)
        if local or method.entry or depth >= MAX_CALL_DEPTH or method.name in visiting:
            return local
        calls = list(self.calls_of(method.name))
        if not calls:
            return []
        inherited: list[ConsentGuard] | None = None
        for caller, call_start, call_end in calls:
            guards = self.path_guards(caller, call_start, depth=depth + 1, visiting=visiting | {method.name})
            guards += self.argument_guards(caller, call_start, call_end)
            if not guards:
                return []  # one unguarded caller is one unguarded path
            inherited = guards if inherited is None else _common(inherited, guards)
        return inherited or []

    def calls_of(self, name: str) -> Iterator[tuple[_Method, int, int]]:
        for start, opening in self.call_sites().get(name, []):
            caller = self.method_at(start)
            if caller is None:
                continue
            end = closing_bracket(self.code, opening, "(", ")")
            yield caller, start, end if end is not None else opening + 1

    def call_sites(self) -> dict[str, list[tuple[int, int]]]:
        """Every unqualified (or `this.`) call in a method body, by name: where it starts and its `(`."""
        if self._call_sites is None:
            self._call_sites = {}
            for match in _CALL.finditer(self.code):
                if not any(m.open < match.start() < m.close for m in self.methods):
                    continue  # a method's own header, or code outside any method
                self._call_sites.setdefault(match.group(1), []).append((match.start(), match.end() - 1))
        return self._call_sites

    def argument_guards(self, method: _Method, call_start: int, call_end: int) -> list[ConsentGuard]:
        """A call passing consented collections and no other collection passes only consented records."""
        opening = self.code.index("(", call_start)
        arguments = [a.strip() for a in _split_top(self.code[opening + 1:call_end - 1], ",")]
        guards: list[ConsentGuard] = []
        for argument in arguments:
            if not re.fullmatch(r"\w+", argument) or not self.is_collection(method, argument):
                continue
            guard = self.filter_guard(method, argument, call_start, depth=0)
            if guard is None:
                return []
            guards.append(guard)
        return guards

    # --- guards inside one method ---------------------------------------------------------------

    def local_guards(self, method: _Method, position: int) -> list[ConsentGuard]:
        guards: list[ConsentGuard] = []
        for construct in self.constructs:
            if not method.open < construct.start < method.close:
                continue
            guard = self.construct_guard(method, construct, position)
            if guard is not None:
                guards.append(guard)
        batch = self.batch_guard(method)
        if batch is not None:
            guards.append(batch)
        return guards

    def construct_guard(self, method: _Method, construct: _Construct, position: int) -> ConsentGuard | None:
        condition = self.code[construct.condition[0]:construct.condition[1]]
        if construct.keyword == "for":
            each = _FOR_EACH.match(condition)
            if each is None or not _inside(position, construct.body):
                return None
            return self.filter_guard(method, each.group("iterable").strip(), construct.start, depth=0)
        if construct.keyword != "if":
            return None
        if _inside(position, construct.body):
            return self.condition_guard(method, construct, self.asserting_terms(method, condition), "")
        if construct.otherwise is not None and _inside(position, construct.otherwise):
            return self.condition_guard(method, construct, self.denying_terms(method, condition), " … else")
        exit_word = self.exit_word(construct)
        if construct.body[1] <= position and exit_word and self.same_block(construct.start, position):
            return self.condition_guard(method, construct, self.denying_terms(method, condition), " " + exit_word)
        return None

    def condition_guard(self, method: _Method, construct: _Construct, terms: list[tuple[str, frozenset[str]]],
                        suffix: str) -> ConsentGuard | None:
        if not terms:
            return None
        condition = " ".join(self.text_of(self.code[construct.condition[0]:construct.condition[1]]).split())
        return ConsentGuard(_short(f"if ({condition}){suffix}"), self.line(construct.start), method.name,
                            frozenset(f for _, fields in terms for f in fields))

    def exit_word(self, construct: _Construct) -> str | None:
        """`return`, `throw` or (in a loop's body) `continue` when the `if` only leaves, else None."""
        found = _EXIT.match(self.code[construct.body[0]:construct.body[1]])
        if found is None or construct.otherwise is not None:
            return None
        if found.group(1) == "continue" and not self.in_loop_body(construct.start):
            return None
        return found.group(1)

    def in_loop_body(self, position: int) -> bool:
        block = self.block_of(position)
        return any(c.keyword in ("for", "while") and c.body[0] == block[0] for c in self.constructs)

    def same_block(self, first: int, second: int) -> bool:
        """Whether the block directly holding `first` also encloses `second` (an exit guards its block's rest)."""
        start, end = self.block_of(first)
        return start < second < end

    def block_of(self, position: int) -> tuple[int, int]:
        depth, index = 0, position - 1
        while index >= 0:
            char = self.code[index]
            if char == "}":
                depth += 1
            elif char == "{":
                if depth == 0:
                    return index, closing_bracket(self.code, index, "{", "}") or len(self.code)
                depth -= 1
            index -= 1
        return 0, len(self.code)

    def batch_guard(self, method: _Method) -> ConsentGuard | None:
        """Batch Apex hands `start`'s records to `execute`: a filter in `start` guards all of `execute`."""
        if method.name != "execute" or "BatchableContext" not in method.params:
            return None
        starts = [m for m in self.methods if m.name == "start"]
        guards = [self.returned_guard(start, depth=0) for start in starts]
        return guards[0] if len(guards) == 1 else None

    # --- consented records ----------------------------------------------------------------------

    def filter_guard(self, method: _Method, expression: str, position: int, *, depth: int) -> ConsentGuard | None:
        """The guard that makes `expression` hold only consented records, if any."""
        expression = _strip_parens(expression.strip())
        if depth > MAX_CALL_DEPTH:
            return None
        wrapped = re.fullmatch(r"Database\s*\.\s*(?:getQueryLocator|query)\s*\((.*)\)", expression, re.DOTALL)
        if wrapped:
            return self.filter_guard(method, wrapped.group(1), position, depth=depth)
        if expression.startswith("[") and expression.endswith("]"):
            return self.soql_guard(method, expression[1:-1], position)
        literal = _STRING_TOKEN.fullmatch(expression)
        if literal:
            return self.soql_guard(method, self.strings[int(literal.group(1))], position)
        call = re.fullmatch(r"(?:this\s*\.\s*)?(\w+)\s*\(.*\)", expression, re.DOTALL)
        if call:
            callees = [m for m in self.methods if m.name == call.group(1)]
            guards = [self.returned_guard(callee, depth=depth + 1) for callee in callees]
            return guards[0] if guards and all(g is not None for g in guards) else None
        if re.fullmatch(r"\w+", expression):
            return self.variable_guard(method, expression, position, depth=depth)
        return None

    def returned_guard(self, method: _Method, *, depth: int) -> ConsentGuard | None:
        return self.once(("return", method.open), lambda: self.returned_guard_of(method, depth=depth))

    def once(self, key: tuple[str, int], work: Callable[[], ConsentGuard | None]) -> ConsentGuard | None:
        if key in self.active:
            return None
        self.active.add(key)
        try:
            return work()
        finally:
            self.active.discard(key)

    def returned_guard_of(self, method: _Method, *, depth: int) -> ConsentGuard | None:
        body = self.code[method.open:method.close]
        returns = [(method.open + m.end(), self.statement_text(method.open + m.end()))
                   for m in re.finditer(r"\breturn\b", body)]
        guards = [self.filter_guard(method, text, at, depth=depth + 1) for at, text in returns]
        return guards[0] if guards and all(g is not None for g in guards) else None

    def variable_guard(self, method: _Method, name: str, position: int, *, depth: int) -> ConsentGuard | None:
        key = (name, method.open)
        return self.once(key, lambda: self.variable_guard_of(method, name, depth=depth))

    def variable_guard_of(self, method: _Method, name: str, *, depth: int) -> ConsentGuard | None:
        assignments = self.assignments(method, name)
        if len(assignments) != 1:
            return None  # reassigned (or a parameter): which value reaches the sink is not knowable here
        at, value = assignments[0]
        if not _EMPTY_COLLECTION.match(value):
            return self.filter_guard(method, value, at, depth=depth + 1)
        body = self.code[method.open:method.close]
        adding = re.compile(rf"(?<![\w.]){re.escape(name)}\s*\.\s*(?:add|addAll|put)\s*\(")
        adds = [method.open + m.start() for m in adding.finditer(body)]
        guards = [self.local_guards(method, add) for add in adds]
        return guards[0][0] if guards and all(guards) else None

    def assignments(self, method: _Method, name: str) -> list[tuple[int, str]]:
        body = self.code[method.open:method.close]
        found = []
        for match in re.finditer(rf"(?<![\w.]){re.escape(name)}\s*=(?!=)", body):
            at = method.open + match.end()
            found.append((at, self.statement_text(at)))
        return found

    def is_collection(self, method: _Method, name: str) -> bool:
        declared = re.search(rf"([\w.]+\s*<[\w\s.,<>]*>|[\w.]+\s*\[\s*\])\s+{re.escape(name)}\b",
                             method.params + " " + self.code[method.open:method.close])
        return declared is not None and _COLLECTION_TYPE.search(declared.group(1).strip()) is not None

    def soql_guard(self, method: _Method, soql: str, position: int) -> ConsentGuard | None:
        where = _where(soql)
        if where is None:
            return None
        terms = _split_words(where, "OR")
        if len(terms) != 1:
            return None
        asserting = [t.strip() for t in _split_words(terms[0], "AND")
                     if _soql_polarity(self.text_of(t))[0] == _Polarity.ASSERTS]
        if not asserting:
            return None
        fields = frozenset(f for t in asserting for f in _soql_polarity(self.text_of(t))[1])
        check = "WHERE " + " AND ".join(self.text_of(t) for t in asserting)
        at = self.code.find(asserting[0], position)
        return ConsentGuard(_short(check), self.line(at if at >= 0 else position), method.name, fields)

    # --- conditions -----------------------------------------------------------------------------

    def asserting_terms(self, method: _Method, condition: str) -> list[tuple[str, frozenset[str]]]:
        disjuncts = _flatten(self.expand(method, condition), "||")
        if len(disjuncts) != 1:
            return []
        return [(term, fields) for term in _flatten(disjuncts[0], "&&")
                for polarity, fields in [self.polarity(method, term)] if polarity == _Polarity.ASSERTS]

    def denying_terms(self, method: _Method, condition: str) -> list[tuple[str, frozenset[str]]]:
        terms = []
        for disjunct in _flatten(self.expand(method, condition), "||"):
            if len(_flatten(disjunct, "&&")) == 1:
                polarity, fields = self.polarity(method, disjunct)
                if polarity == _Polarity.DENIES:
                    terms.append((disjunct, fields))
        return terms

    def expand(self, method: _Method, condition: str) -> str:
        """`condition` with each local Boolean assigned once replaced by its value, in parentheses."""
        def value_of(found: re.Match[str]) -> str:
            name = found.group(0)
            if not re.search(rf"\bBoolean\s+{name}\s*=", self.code[method.open:method.close]):
                return name
            assigned = self.assignments(method, name)
            return f"({assigned[0][1]})" if len(assigned) == 1 else name
        return re.sub(r"(?<![\w.])[A-Za-z_]\w*(?![\w(.])", value_of, condition)

    def polarity(self, method: _Method, term: str) -> tuple[int, frozenset[str]]:
        negated, atom = _negations(term)
        polarity, fields = self.atom_polarity(method, atom)
        return (-polarity if negated else polarity), fields

    def atom_polarity(self, method: _Method, atom: str) -> tuple[int, frozenset[str]]:
        flag = re.fullmatch(r"(?:[\w.]*\.)?(\w+)\s*(?:(==|!=)\s*(true|false))?", atom)
        if flag and flag.group(1) in OPT_OUT_FLAGS:
            positive = (flag.group(2), flag.group(3)) in ((None, None), ("==", "true"), ("!=", "false"))
            return (_Polarity.DENIES if positive else _Polarity.ASSERTS), frozenset({flag.group(1)})
        status = re.fullmatch(r"(?:[\w.]*\.)?PrivacyConsentStatus\s*(==|!=)\s*\x00(\d+)\x00", atom)
        if status:
            return _status_polarity(status.group(1) == "==", self.strings[int(status.group(2))])
        contains = re.fullmatch(r"(\w+)\s*\.\s*contains\s*\(.*\)", atom, re.DOTALL)
        if contains:
            guard = self.variable_guard(method, contains.group(1), method.open, depth=0)
            return (_Polarity.ASSERTS, guard.fields) if guard else (_Polarity.UNKNOWN, frozenset())
        return self.call_polarity(method, atom)

    def call_polarity(self, method: _Method, atom: str) -> tuple[int, frozenset[str]]:
        call = re.fullmatch(r"(?:[\w.]*\.)?(\w+)\s*\(.*\)", atom, re.DOTALL)
        if call is None:
            return _Polarity.UNKNOWN, frozenset()
        predicates = [m for m in self.methods if m.name == call.group(1)]
        if predicates:
            found = {self.predicate_polarity(predicate) for predicate in predicates}
            return next(iter(found)) if len(found) == 1 else (_Polarity.UNKNOWN, frozenset())
        if _CONSENT_CALL.fullmatch(call.group(1) + "("):
            denies = _DENYING_CALL.search(call.group(1)) is not None
            return (_Polarity.DENIES if denies else _Polarity.ASSERTS), frozenset({call.group(1) + "()"})
        return _Polarity.UNKNOWN, frozenset()

    def predicate_polarity(self, method: _Method) -> tuple[int, frozenset[str]]:
        """A Boolean method of the class whose every `return` has the same consent polarity."""
        body = self.code[method.open:method.close]
        returns = [self.statement_text(method.open + m.end()) for m in re.finditer(r"\breturn\b", body)]
        found = {self.polarity(method, _strip_parens(text)) for text in returns if len(_flatten(text, "||")) == 1
                 and len(_flatten(text, "&&")) == 1}
        return next(iter(found)) if len(found) == 1 and len(returns) == len(found) else (_Polarity.UNKNOWN, frozenset())

    # --- positions ------------------------------------------------------------------------------

    def method_at(self, position: int) -> _Method | None:
        inside = [m for m in self.methods if m.open < position < m.close]
        return max(inside, key=lambda m: m.open) if inside else None

    def in_soql(self, position: int) -> bool:
        return any(start < position < end for start, end in self.soql)

    def line(self, position: int) -> int:
        return self.code.count("\n", 0, position) + 1

    def statement_text(self, start: int) -> str:
        return self.code[start:_statement_end(self.code, start)].strip().rstrip(";").strip()

    def text_of(self, fragment: str) -> str:
        return _STRING_TOKEN.sub(lambda found: "'" + self.strings[int(found.group(1))] + "'", fragment)


# --- the structure of the code ---------------------------------------------------------------------


def _methods(code: str) -> list[_Method]:
    found = []
    for match in _METHOD.finditer(code):
        if match.group("name") in _NOT_METHOD_NAMES or match.group("type") in _NOT_METHOD_NAMES | {"else"}:
            continue
        if match.group("type") in ("new", "return", "throw"):
            continue
        opening = match.end() - 1
        closing = closing_bracket(code, opening, "{", "}")
        if closing is None:
            continue
        modifiers = code[match.start():match.start("name")]  # a constructor's modifier matched as its type too
        entry = bool(_ENTRY_MODIFIERS.search(modifiers)) and not re.search(r"\bprivate\b", modifiers)
        found.append(_Method(match.group("name"), match.group("params"), entry=entry,
                             header=match.start(), open=opening, close=closing))
    return found


def _constructs(code: str) -> list[_Construct]:
    found = []
    for match in _CONTROL.finditer(code):
        opening = match.end() - 1
        closing = closing_bracket(code, opening, "(", ")")
        if closing is None:
            continue
        body_start = _skip_space(code, closing)
        body_end = _statement_end(code, body_start)
        otherwise = None
        after = _skip_space(code, body_end)
        if match.group(1) == "if" and re.match(r"else\b", code[after:]):
            else_start = _skip_space(code, after + 4)
            otherwise = (else_start, _statement_end(code, else_start))
        found.append(_Construct(match.group(1), match.start(), (opening + 1, closing - 1), (body_start, body_end),
                                otherwise))
    return found


def _statement_end(code: str, start: int) -> int:
    """Index just past the statement (or block) starting at `start`."""
    if start >= len(code):
        return len(code)
    if code[start] == "{":
        return closing_bracket(code, start, "{", "}") or len(code)
    control = re.match(r"(if|for|while)\s*\(", code[start:])
    if control:
        closing = closing_bracket(code, start + control.end() - 1, "(", ")") or len(code)
        end = _statement_end(code, _skip_space(code, closing))
        after = _skip_space(code, end)
        if control.group(1) == "if" and re.match(r"else\b", code[after:]):
            return _statement_end(code, _skip_space(code, after + 4))
        return end
    depth = 0
    for index in range(start, len(code)):
        char = code[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return index
            depth -= 1
        elif char == ";" and depth == 0:
            return index + 1
    return len(code)


def inline_soql_spans(code: str) -> list[tuple[int, int]]:
    """Where the `[SELECT …]` queries of a class stand (a nested one lies inside its outer query's span)."""
    spans: list[tuple[int, int]] = []
    for found in _INLINE_SOQL.finditer(code):
        if spans and found.start() < spans[-1][1]:
            continue
        end = closing_bracket(code, found.start(), "[", "]")
        if end is not None:
            spans.append((found.start(), end))
    return spans


def closing_bracket(text: str, start: int, opening: str, closing: str) -> int | None:
    """Index just past the bracket closing the one at `start`."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opening:
            depth += 1
        elif text[index] == closing:
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _skip_space(code: str, index: int) -> int:
    while index < len(code) and code[index].isspace():
        index += 1
    return index


def _inside(position: int, span: tuple[int, int]) -> bool:
    return span[0] <= position < span[1]


# --- expressions -----------------------------------------------------------------------------------


def _split_top(text: str, separator: str) -> list[str]:
    parts, depth, last, index = [], 0, 0, 0
    while index < len(text):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            parts.append(text[last:index])
            index += len(separator)
            last = index
            continue
        index += 1
    parts.append(text[last:])
    return [part for part in parts if part.strip()]


def _flatten(condition: str, operator: str) -> list[str]:
    """The top-level `operator` terms of `condition`, opening parentheses that group the same operator."""
    terms = []
    for part in _split_top(condition, operator):
        inner = _strip_parens(part.strip())
        if inner != part.strip() and len(_split_top(inner, operator)) > 1:
            terms += _flatten(inner, operator)
        else:
            terms.append(inner)
    return terms


def _strip_parens(text: str) -> str:
    while text.startswith("(") and closing_bracket(text, 0, "(", ")") == len(text):
        text = text[1:-1].strip()
    return text


def _negations(term: str) -> tuple[bool, str]:
    negated = False
    term = _strip_parens(term.strip())
    while term.startswith("!") and not term.startswith("!="):
        negated = not negated
        term = _strip_parens(term[1:].strip())
    return negated, term


def _status_polarity(equals: bool, value: str) -> tuple[int, frozenset[str]]:
    fields = frozenset({CONSENT_STATUS})
    if value.lower() == "optin":
        return (_Polarity.ASSERTS if equals else _Polarity.DENIES), fields
    if value.lower() == "optout" and equals:
        return _Polarity.DENIES, fields
    return _Polarity.UNKNOWN, frozenset()


def _common(first: list[ConsentGuard], second: list[ConsentGuard]) -> list[ConsentGuard]:
    """Guards two paths share in what they check: the first path's guards, narrowed to the shared fields."""
    shared = frozenset(f for g in first for f in g.fields) & frozenset(f for g in second for f in g.fields)
    narrowed = [ConsentGuard(g.check, g.line, g.method, g.fields & shared) for g in first]
    return [g for g in narrowed if g.fields] or [first[0]]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_CHECK_TEXT else text[:MAX_CHECK_TEXT - 1] + "…"


# --- SOQL filters ----------------------------------------------------------------------------------


def _where(soql: str) -> str | None:
    blanked = _blank_parens(soql)
    found = re.search(r"\bWHERE\b", blanked, re.IGNORECASE)
    if found is None:
        return None
    end = _SOQL_END.search(blanked, found.end())
    return soql[found.end():end.start() if end else len(soql)]


def _blank_parens(text: str) -> str:
    out, depth = [], 0
    for char in text:
        if char == "(":
            depth += 1
        out.append(char if depth == 0 else " ")
        if char == ")":
            depth -= 1
    return "".join(out)


def _split_words(text: str, word: str) -> list[str]:
    blanked = _blank_parens(text)
    parts, last = [], 0
    for found in re.finditer(rf"\b{word}\b", blanked, re.IGNORECASE):
        parts.append(text[last:found.start()])
        last = found.end()
    parts.append(text[last:])
    return [part for part in parts if part.strip()]


def _soql_polarity(term: str) -> tuple[int, frozenset[str]]:
    term = _strip_parens(term.strip())
    negated = bool(re.match(r"NOT\b", term, re.IGNORECASE))
    if negated:
        term = _strip_parens(term[3:].strip())
    flag = re.fullmatch(r"(?:[\w.]*\.)?(\w+)\s*(=|!=|<>)\s*(true|false)", term, re.IGNORECASE)
    polarity, fields = _Polarity.UNKNOWN, frozenset[str]()
    if flag and flag.group(1) in OPT_OUT_FLAGS:
        positive = (flag.group(2) == "=") == (flag.group(3).lower() == "true")
        polarity, fields = (_Polarity.DENIES if positive else _Polarity.ASSERTS), frozenset({flag.group(1)})
    status = re.fullmatch(r"(?:[\w.]*\.)?PrivacyConsentStatus\s*(=|!=|<>)\s*'([^']*)'", term, re.IGNORECASE)
    if status:
        polarity, fields = _status_polarity(status.group(1) == "=", status.group(2))
    return (-polarity if negated else polarity), fields
