"""The one exception type the SDK raises.

Kept at upstream's import path (``paddleflow.common.exception.paddleflow_sdk_exception``) so
code written for PaddleFlow's own SDK catches it unchanged. Server errors carry the three keys
of every error body (``code``, ``message``, ``requestID``); client-side problems (no login, bad
arguments, connection failures) use a code of their own, listed in docs/python-sdk.md.
"""
from typing import Optional


class PaddleFlowSDKException(Exception):
    """An error from the server or from the SDK itself.

    Attributes:
        code: the server's error code (e.g. ``JobNotFound``) or an SDK code such as
            ``InvalidOperator``, ``ConnectionError`` or ``Timeout``.
        message: human-readable explanation.
        requestId: the server's ``x-pf-request-id`` for this request, or None.
        status: the HTTP status of the failed request, or None for client-side errors.
    """

    def __init__(self, code: Optional[str] = None, message: Optional[str] = None,
                 requestId: Optional[str] = None, status: Optional[int] = None) -> None:
        super().__init__(code, message, requestId)
        self.code = code
        self.message = message
        self.requestId = requestId
        self.status = status

    @property
    def request_id(self) -> Optional[str]:
        """The request id (snake_case alias of ``requestId``)."""
        return self.requestId

    def __str__(self) -> str:
        return "[PaddleFlowSDKException] code:%s message:%s requestId:%s" % (
            self.code, self.message, self.requestId)

    def get_code(self) -> Optional[str]:
        """Return the error code."""
        return self.code

    def get_message(self) -> Optional[str]:
        """Return the error message."""
        return self.message

    def get_request_id(self) -> Optional[str]:
        """Return the server's request id, if any."""
        return self.requestId
