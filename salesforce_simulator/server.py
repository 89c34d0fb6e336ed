"""The HTTPS server: parses requests, authenticates, accounts, injects faults, dispatches."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from salesforce_simulator import analytics, auth, bulk, eventlogs, faults, rest, runtime, soql, tooling
from salesforce_simulator.accounting import Accounting, new_call
from salesforce_simulator.org import Org, User
from salesforce_simulator.routing import (
    Headers,
    Route,
    SalesforceError,
    SimRequest,
    SimResponse,
)

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/_simulator/"
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_CONNECTIONS = 64  # concurrent connections served; more wait for a slot, then are dropped
CONNECTION_TIMEOUT_S = 60.0  # idle keep-alive connections and stalled reads end after this
_VERSIONED = re.compile(r"/services/data/v(?P<version>\d+\.\d+)(?P<rest>/.*)?")
_INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def all_routes() -> list[Route]:
    return [*auth.ROUTES, *rest.ROUTES, *tooling.ROUTES, *bulk.ROUTES, *eventlogs.ROUTES, *analytics.ROUTES]


@dataclass
class Outcome:
    response: SimResponse
    api_calls: int
    user: User | None


class Dispatcher:
    """Routes one request (or composite subrequest) through auth, accounting and faults."""

    def __init__(self, org: Org, routes: list[Route], base_url: str, fault_state: faults.FaultState) -> None:
        self.routes = routes
        self.runtime = runtime.Runtime(
            org=org,
            sessions=auth.SessionStore(),
            accounting=Accounting(org.daily_api_limit),
            faults=fault_state,
            cursors=rest.QueryCursors(),
            base_url=base_url,
            dispatch_subrequest=self.subrequest,
        )

    # -- entry points -------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Headers, body: bytes) -> SimResponse:
        """A request from the network; every answer carries Sforce-Limit-Info."""
        started = time.time()
        number = self.runtime.accounting.next_number()
        path, query = _split_target(target)
        outcome = self._guarded(method, path, query, headers, body, None, True, number)
        outcome.response.headers["Sforce-Limit-Info"] = self.runtime.accounting.limit_info()
        self.runtime.accounting.record(new_call(
            number, method, path, outcome.response.status, outcome.api_calls,
            outcome.user.username if outcome.user else None, started,
        ))  # fmt: skip
        return outcome.response

    def subrequest(
        self, method: str, url: str, headers: dict[str, str], body: bytes, user: User, counted: bool
    ) -> SimResponse:
        """A composite subrequest, run in-process as ``user``; counted only when asked."""
        started = time.time()
        number = self.runtime.accounting.next_number()
        path, query = _split_target(url)
        outcome = self._guarded(method, path, query, Headers(headers.items()), body, user, counted, number)
        self.runtime.accounting.record(new_call(
            number, method, path, outcome.response.status, outcome.api_calls, user.username,
            started, subrequest=True,
        ))  # fmt: skip
        return outcome.response

    # -- the pipeline -------------------------------------------------------------------

    def _guarded(
        self, method: str, path: str, query: dict[str, list[str]], headers: Headers, body: bytes,
        user: User | None, counted: bool, number: int,
    ) -> Outcome:  # fmt: skip
        state = self.runtime
        token = runtime.enter(state)
        active = state.faults.current
        fault_token = faults.activate(active)
        outcome = Outcome(SimResponse(), 0, user)
        try:
            self._dispatch(method, path, query, headers, body, number, outcome, counted)
        except SalesforceError as exc:
            outcome.response = SimResponse(status=exc.status, body=exc.body())
        except soql.SoqlError as exc:
            outcome.response = SimResponse(status=400, body=[
                {"message": exc.message, "errorCode": exc.error_code}])  # fmt: skip
        except Exception:  # a bug in a handler must still answer like Salesforce does
            log.exception("simulator handler failed: %s %s", method, path)
            outcome.response = faults.error_response(500, number)
        finally:
            faults.deactivate(fault_token)
            runtime.leave(token)
        return outcome

    def _dispatch(
        self, method: str, path: str, query: dict[str, list[str]], headers: Headers, body: bytes,
        number: int, outcome: Outcome, counted: bool,
    ) -> None:  # fmt: skip
        route, match, version = self._route(method, path)
        state = self.runtime
        if route.authenticated and outcome.user is None:
            outcome.user = self._authenticate(headers)
        if route.counts_api_call and counted:
            state.accounting.charge(1)
            outcome.api_calls = 1
        active = state.faults.current
        if active.latency_ms and route.counts_api_call:
            time.sleep(active.latency_ms / 1000)
        injected = active.error_for(number) if route.authenticated else None
        if injected is not None:
            outcome.response = injected
            return
        request = SimRequest(method, path, query, headers, body, state.org, version, outcome.user)
        outcome.response = route.handler(request, match)

    def _route(self, method: str, path: str) -> tuple[Route, re.Match[str], str | None]:
        versioned = _VERSIONED.fullmatch(path)
        version = versioned["version"] if versioned else None
        if version is not None and version not in self.runtime.org.api_versions:
            raise rest.not_found()
        remainder = (versioned["rest"] or "") if versioned else path
        if remainder.endswith("/"):
            remainder = remainder[:-1]
        allowed: list[str] = []
        for route in self.routes:
            if route.versioned != (versioned is not None):
                continue
            match = route.pattern.fullmatch(remainder)
            if match is None:
                continue
            if route.method == method:
                return route, match, version
            allowed.append(route.method)
        if allowed:
            raise SalesforceError(405, "METHOD_NOT_ALLOWED",
                                  f"HTTP Method '{method}' not allowed. Allowed are {','.join(allowed)}")
        raise rest.not_found()

    def _authenticate(self, headers: Headers) -> User:
        authorization = headers.get("Authorization", "")
        scheme, _, session_id = authorization.partition(" ")
        if scheme.lower() not in {"bearer", "oauth"} or not session_id.strip():
            raise SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        expiry = self.runtime.faults.current.session_expiry_calls
        session = self.runtime.sessions.use(session_id.strip(), expiry)
        if session is None:
            raise SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return session.user

    # -- admin ------------------------------------------------------------------------

    def admin(self, method: str, target: str, body: bytes) -> SimResponse:
        """``/_simulator/…``: the call log, resets and faults; never counted, never logged."""
        path, _ = _split_target(target)
        name = path[len(ADMIN_PREFIX):].strip("/")
        state = self.runtime
        if (method, name) == ("GET", "calls"):
            calls = [call.as_dict() for call in state.accounting.snapshot()]
            usage = {"api_usage": state.accounting.used, "daily_api_limit": state.accounting.daily_limit}
            return SimResponse(body={**usage, "calls": calls})
        if (method, name) == ("POST", "reset"):
            state.accounting.reset()
            state.cursors.clear()
            options = _json_or_empty(body)
            if options.get("sessions"):
                state.sessions.expire_all()
            if options.get("faults", True):
                state.faults.set(faults.NO_FAULTS)
            return SimResponse(status=204)
        if name == "faults" and method in {"GET", "POST", "PUT"}:
            return self._admin_faults(method, body)
        return SimResponse(status=404, body=[{"message": "no such admin endpoint", "errorCode": "NOT_FOUND"}])

    def _admin_faults(self, method: str, body: bytes) -> SimResponse:
        state = self.runtime.faults
        if method != "GET":
            base = state.current if method == "POST" else faults.NO_FAULTS
            try:
                state.set(faults.update_faults(base, _json_or_empty(body)))
            except (TypeError, ValueError) as exc:
                return SimResponse(status=400, body=[{"message": str(exc), "errorCode": "INVALID_INPUT"}])
        return SimResponse(body=state.current.as_dict())


def _split_target(target: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(target)
    return parts.path or "/", parse_qs(parts.query, keep_blank_values=True)


def _json_or_empty(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


# ----------------------------------------------------------------------------------------
# HTTP


def _encode(response: SimResponse) -> bytes | Iterator[bytes]:
    body = response.body
    if body is None or response.status in {204, 304}:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (dict, list)):
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    if isinstance(body, Iterable):
        return (chunk if isinstance(chunk, bytes) else str(chunk).encode() for chunk in body)
    return json.dumps(body).encode("utf-8")


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Salesforce's endpoints allow
    server_version = "SalesforceSimulator"
    sys_version = ""
    timeout = CONNECTION_TIMEOUT_S
    server: SimulatorHTTPServer

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header on the org's clock (`clock_skew_s`), as a client sees Salesforce's time."""
        skew = self.server.dispatcher.runtime.faults.current.clock_skew_s
        return super().date_time_string((time.time() if timestamp is None else timestamp) + skew)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        dispatcher = self.server.dispatcher
        if self.path.startswith(ADMIN_PREFIX):
            response = dispatcher.admin(self.command, self.path, body)
        else:
            headers = Headers(self.headers.items())
            response = dispatcher.handle(self.command, self.path, headers, body)
        self._write(response)

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._write(SimResponse(status=413, body=[
                {"message": "Request body too large", "errorCode": "REQUEST_TOO_LARGE"}]))  # fmt: skip
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def _write(self, response: SimResponse) -> None:
        payload = _encode(response)
        self.send_response(response.status, HTTPStatus(response.status).phrase)
        if response.status not in {204, 304}:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if isinstance(payload, bytes):
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in payload:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


class SimulatorHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that does its TLS handshakes in the worker threads."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher, context: ssl.SSLContext) -> None:
        _require_loopback(address[0])
        self.dispatcher = dispatcher
        self.tls_context = context
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, SimulatorRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(timeout=CONNECTION_TIMEOUT_S):
            self.shutdown_request(request)  # every slot stayed busy: drop, don't queue forever
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(CONNECTION_TIMEOUT_S)
        # headers and body leave in separate writes; without this Nagle stalls each response 40 ms
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            secure = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            log.debug("TLS handshake with %s failed: %s", client_address, exc)
            return
        try:
            SimulatorRequestHandler(secure, client_address, self)
        except (ssl.SSLError, ConnectionError, TimeoutError) as exc:
            log.debug("connection from %s ended: %s", client_address, exc)
        finally:
            with contextlib.suppress(OSError):
                secure.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("error serving %s", client_address, exc_info=True)


def _require_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise ValueError(f"the simulator listens on loopback only, not {host!r}")
