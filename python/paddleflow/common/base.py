"""ClientBase: login, the token, and the one call path every API group uses.

Each API group (jobs, queues, ...) is a mixin on top of this class, and ``paddleflow.Client``
combines them. Keeping the call path in one place is what makes the cross-cutting rules hold
for every method: the login check, error bodies raised as PaddleFlowSDKException, and a single
transparent re-login when the server says the token expired or no longer matches (D17).
"""
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

from paddleflow.common.exception import PaddleFlowSDKException
from paddleflow.common.http import HttpSession, build_path, error_from_response
from paddleflow.common.util import require

DEFAULT_PORT = 8999
DEFAULT_TIMEOUT = 60.0
TOKEN_HEADER = "x-pf-authorization"
# the server's answers to a token that expired or whose user changed password
RELOGIN_CODES = ("AuthInvalidToken", "AuthFailed")

Result = Tuple[Any, ...]


class ClientBase:
    """Connection, credentials and the request path shared by all API groups."""

    def __init__(self, host: Optional[str] = None, username: Optional[str] = None,
                 password: Optional[str] = None, port: Optional[int] = None,
                 timeout: Optional[float] = DEFAULT_TIMEOUT, *,
                 paddleflow_server_host: Optional[str] = None,
                 paddleflow_server_port: Optional[int] = None) -> None:
        """Create a client for the server at ``host:port`` (no request is sent yet).

        Args:
            host: server host name or address (upstream name: ``paddleflow_server_host``).
            username: user name, kept for ``login()`` called without arguments.
            password: password, kept likewise.
            port: server port, default 8999 (upstream name: ``paddleflow_server_port``).
            timeout: seconds to wait for each socket operation (None: wait forever).
        """
        host = host if host is not None else paddleflow_server_host
        if port is None:
            port = paddleflow_server_port if paddleflow_server_port is not None else DEFAULT_PORT
        if host is None or not str(host).strip():
            raise PaddleFlowSDKException("InvalidServer",
                                         "paddleflow server should not be none or empty")
        try:
            port = int(port)
        except (TypeError, ValueError):
            raise PaddleFlowSDKException("InvalidServer",
                                         "port %r is not a number" % (port,)) from None
        self.paddleflow_server = "http://%s:%d" % (host, port)
        self.user_id = username
        self.password = password
        self.header: Optional[Mapping[str, str]] = None
        self._http = HttpSession(str(host).strip(), port, timeout)

    # -- session ----------------------------------------------------------------------------

    @property
    def timeout(self) -> Optional[float]:
        """Seconds to wait for each socket operation (None: forever)."""
        return self._http.timeout

    @timeout.setter
    def timeout(self, value: Optional[float]) -> None:
        self._http.timeout = value
        self._http.close()  # the open socket keeps its old timeout

    def close(self) -> None:
        """Close the connection to the server. The client can still be used afterwards."""
        self._http.close()

    def __enter__(self) -> "ClientBase":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def login(self, user_name: Optional[str] = None, password: Optional[str] = None) -> Result:
        """Log in and keep the token for the following calls.

        Without arguments the user name and password given to the constructor are used.

        Returns:
            ``(True, None)``; ``(False, message)`` if the server answers 200 with a message.
        Raises:
            PaddleFlowSDKException: ``AuthFailed`` / ``UserNotExist`` from the server,
                ``InvalidUser`` / ``InvalidPassWord`` for empty arguments.
        """
        user_name = self.user_id if user_name is None else user_name
        password = self.password if password is None else password
        require(user_name, "InvalidUser", "user_name")
        require(password, "InvalidPassWord", "password")
        data = self._call("POST", "/login", body={"username": user_name, "password": password},
                          auth=False)
        if isinstance(data, dict) and "message" in data:
            return False, data["message"]
        if not isinstance(data, dict) or not data.get("authorization"):
            raise PaddleFlowSDKException("InvalidResponse", "login answer has no token: %r"
                                         % (data,))
        self.user_id = user_name
        self.password = password
        self.header = {TOKEN_HEADER: data["authorization"]}
        return True, None

    def pre_check(self) -> None:
        """Raise ``InvalidOperator`` unless ``login()`` succeeded."""
        if not self.user_id or not self.header:
            raise PaddleFlowSDKException("InvalidOperator", "should login first")

    def get_version(self) -> Result:
        """Return ``(True, dict)`` with the server's version (``gitVersion``, ``gitCommit``...)."""
        self.pre_check()
        data = self._call_obj("GET", "/version")
        if isinstance(data, dict) and "message" in data:
            return False, data["message"]
        return True, data

    # -- request path -----------------------------------------------------------------------

    def _call(self, method: str, path: str, query: Optional[Mapping[str, Any]] = None,
              body: Any = None, auth: bool = True) -> Any:
        """Send one request; return the decoded JSON body (None when empty).

        HTTP errors raise PaddleFlowSDKException(code, message, requestID). An expired or
        stale token is renewed once with the stored credentials and the request repeated.
        """
        if auth:
            self.pre_check()
        url = build_path(path, query)
        for attempt in (0, 1):
            resp = self._http.request(method, url, body=body,
                                      headers=dict(self.header or {}) if auth else None)
            if resp.status < 400:
                return resp.json()
            err = error_from_response(resp)
            if auth and attempt == 0 and err.code in RELOGIN_CODES:
                self._relogin()
                continue
            raise err
        raise AssertionError("unreachable")

    def _call_obj(self, method: str, path: str, query: Optional[Mapping[str, Any]] = None,
                  body: Any = None) -> Dict[str, Any]:
        """Like _call, for routes whose success body is a JSON object; anything else raises
        ``InvalidResponse`` instead of failing later with a KeyError."""
        data = self._call(method, path, query=query, body=body)
        if not isinstance(data, dict):
            raise PaddleFlowSDKException(
                "InvalidResponse", "%s %s answered %r, not a JSON object" % (method, path, data))
        return data

    def _stream(self, path: str, query: Optional[Mapping[str, Any]] = None,
                read_timeout: Optional[float] = None) -> Iterator[bytes]:
        """GET a streamed body on a connection of its own; yields raw chunks."""
        self.pre_check()
        url = build_path(path, query)
        for attempt in (0, 1):
            head, chunks = self._http.stream("GET", url, headers=dict(self.header or {}),
                                             read_timeout=read_timeout)
            if head.status < 400:
                return chunks
            err = error_from_response(head)
            if attempt == 0 and err.code in RELOGIN_CODES:
                self._relogin()
                continue
            raise err
        raise AssertionError("unreachable")

    def _relogin(self) -> None:
        ok, message = self.login(self.user_id, self.password)
        if not ok:
            raise PaddleFlowSDKException("AuthFailed", "re-login failed: %s" % message)
