"""HTTP transport: one keep-alive connection to the server, JSON in and out.

Why not urllib.request: it opens a new connection per request. ``http.client`` keeps one
connection open, which makes a script that issues thousands of calls cheap for the client and
the server alike. The session is guarded by a lock, so a Client may be shared by threads (calls
are then serialised on the one connection).

Stale connections: a server closes idle keep-alive connections whenever it likes. Before reusing
the socket we poll it; a readable idle socket means the peer closed it (or sent garbage), so we
reconnect first. If sending still fails on a reused connection the request is retried once on a
fresh one; if the failure comes after the request was sent, only idempotent methods are retried,
so a POST is never submitted twice.
"""
import http.client
import json
import select
import socket
import threading
import urllib.parse
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

from paddleflow.common.exception import PaddleFlowSDKException

API_PREFIX = "/api/paddleflow/v1"
REQUEST_ID_HEADER = "x-pf-request-id"
_IDEMPOTENT = ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
# errors meaning "this connection is dead", as opposed to "the server is unreachable"
_STALE_ERRORS = (http.client.RemoteDisconnected, http.client.BadStatusLine,
                 ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class HttpResponse:
    """A completed response: status, lower-cased headers and the raw body."""

    def __init__(self, status: int, reason: str, headers: Dict[str, str], body: bytes) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    @property
    def request_id(self) -> Optional[str]:
        """The server's request id header, if present."""
        return self.headers.get(REQUEST_ID_HEADER)

    def json(self) -> Any:
        """Decode the body as JSON; an empty body is None."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError as e:
            raise PaddleFlowSDKException(
                "InvalidResponse", "server answered HTTP %d with a body that is not JSON: %s (%r)"
                % (self.status, e, self.body[:200]), self.request_id, self.status) from None


def build_path(path: str, query: Optional[Mapping[str, Any]] = None) -> str:
    """Join the API prefix, a path and a query string (None values are left out)."""
    url = API_PREFIX + path
    if query:
        items = [(k, _query_value(v)) for k, v in query.items() if v is not None]
        if items:
            url += "?" + urllib.parse.urlencode(items)
    return url


def quote_segment(value: str) -> str:
    """Percent-encode one path segment (ids and names go into paths)."""
    return urllib.parse.quote(str(value), safe="")


def _query_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def error_from_response(resp: HttpResponse) -> PaddleFlowSDKException:
    """Turn an HTTP error response into the exception upstream raises.

    The server's error body is ``{"requestID","code","message"}``; anything else (a proxy's
    HTML page, an empty body) still yields an exception with the HTTP status in the message.
    """
    data = None
    try:
        data = json.loads(resp.body.decode("utf-8")) if resp.body else None
    except ValueError:
        pass
    if isinstance(data, dict) and "code" in data:
        return PaddleFlowSDKException(data.get("code"), data.get("message"),
                                      data.get("requestID") or resp.request_id, resp.status)
    text = resp.body[:300].decode("utf-8", "replace")
    return PaddleFlowSDKException("HTTPError", "HTTP %d %s: %s" % (resp.status, resp.reason, text),
                                  resp.request_id, resp.status)


class HttpSession:
    """One keep-alive HTTP connection to ``host:port`` with a timeout per socket operation."""

    def __init__(self, host: str, port: int, timeout: Optional[float] = 60.0) -> None:
        self.host = host
        self.port = int(port)
        self.timeout = timeout
        self._conn: Optional[http.client.HTTPConnection] = None
        self._used = False  # the open connection already carried a complete exchange
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        """``host:port`` as used in error messages."""
        return "%s:%d" % (self.host, self.port)

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        with self._lock:
            self._drop()

    def local_address(self) -> Optional[Tuple[str, int]]:
        """The client side address of the open connection, or None (used by tests)."""
        conn = self._conn
        if conn is None or conn.sock is None:
            return None
        return conn.sock.getsockname()

    def request(self, method: str, url: str, body: Any = None,
                headers: Optional[Mapping[str, str]] = None) -> HttpResponse:
        """Send one request and read the whole response.

        ``body`` is JSON-encoded unless it is bytes. Raises PaddleFlowSDKException with code
        ``ConnectionError`` or ``Timeout`` when the server cannot be reached or does not answer.
        """
        data, hdrs = self._encode(body, headers)
        with self._lock:
            for attempt in (0, 1):
                reused = self._reuse_or_connect()
                sent = False
                try:
                    self._conn.request(method, url, body=data, headers=hdrs)
                    sent = True
                    r = self._conn.getresponse()
                    resp = HttpResponse(r.status, r.reason, _lower(r.getheaders()), r.read())
                    self._used = not r.will_close
                    if r.will_close:
                        self._drop()
                    return resp
                except socket.timeout:
                    self._drop()
                    raise self._timeout_error() from None
                except _STALE_ERRORS as e:
                    self._drop()
                    retry = reused and attempt == 0 and (not sent or method in _IDEMPOTENT)
                    if not retry:
                        raise self._connection_error(e) from None
                except (OSError, http.client.HTTPException) as e:
                    self._drop()
                    raise self._connection_error(e) from None
        raise AssertionError("unreachable")

    def stream(self, method: str, url: str, headers: Optional[Mapping[str, str]] = None,
               read_timeout: Optional[float] = None) -> Tuple[HttpResponse, Iterator[bytes]]:
        """Open a dedicated connection for a long streamed response.

        Returns the response head (with an empty body) and an iterator over body chunks as they
        arrive. An error status is read whole and returned with an empty iterator. The main
        connection is left free, so other calls can be made while the stream is consumed.
        ``read_timeout`` bounds the wait for each chunk (None: wait as long as it takes).
        """
        _, hdrs = self._encode(None, headers)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.connect()
            conn.sock.settimeout(read_timeout)
            conn.request(method, url, headers=hdrs)
            r = conn.getresponse()
        except socket.timeout:
            conn.close()
            raise self._timeout_error() from None
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise self._connection_error(e) from None
        head = HttpResponse(r.status, r.reason, _lower(r.getheaders()), b"")
        if r.status >= 400:
            try:
                head.body = r.read()
            except (OSError, http.client.HTTPException):
                pass
            conn.close()
            return head, iter(())
        return head, self._chunks(conn, r)

    def _chunks(self, conn: http.client.HTTPConnection,
                r: http.client.HTTPResponse) -> Iterator[bytes]:
        try:
            while True:
                try:
                    chunk = r.read1(65536)
                except socket.timeout:
                    raise self._timeout_error(conn.sock.gettimeout() if conn.sock else None
                                              ) from None
                except (OSError, http.client.HTTPException) as e:
                    raise self._connection_error(e) from None
                if not chunk:
                    return
                yield chunk
        finally:
            conn.close()

    def _encode(self, body: Any, headers: Optional[Mapping[str, str]]
                ) -> Tuple[Optional[bytes], Dict[str, str]]:
        hdrs = {"Accept": "application/json"}
        hdrs.update(headers or {})
        if body is None:
            return None, hdrs
        if isinstance(body, (bytes, bytearray)):
            return bytes(body), hdrs
        hdrs.setdefault("Content-Type", "application/json")
        return json.dumps(body).encode("utf-8"), hdrs

    def _reuse_or_connect(self) -> bool:
        """Make sure a usable connection is open; True if an old one is being reused."""
        if self._conn is not None and self._used and self._peer_closed():
            self._drop()
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._used = False
            return False
        return self._used

    def _peer_closed(self) -> bool:
        sock = self._conn.sock if self._conn else None
        if sock is None:
            return True
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return True
        # an idle HTTP connection has nothing to read: readable means EOF or junk
        return bool(readable)

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._used = False

    def _connection_error(self, e: BaseException) -> PaddleFlowSDKException:
        return PaddleFlowSDKException(
            "ConnectionError", "cannot talk to paddleflow server at %s: %s"
            % (self.address, e or type(e).__name__))

    def _timeout_error(self, seconds: Optional[float] = None) -> PaddleFlowSDKException:
        return PaddleFlowSDKException(
            "Timeout", "paddleflow server at %s did not answer within %s s"
            % (self.address, self.timeout if seconds is None else seconds))


def _lower(pairs: Any) -> Dict[str, str]:
    return {k.lower(): v for k, v in pairs}
