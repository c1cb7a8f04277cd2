"""Small argument helpers shared by the API groups.

They turn the loose argument types the SDK accepts (``"a=b,c=d"`` strings for labels,
datetimes for times) into the wire format, and check required arguments with the error codes
upstream uses, so misuse fails before any request is sent.
"""
import datetime
from typing import Any, Dict, Mapping, Optional, Union

from paddleflow.common.exception import PaddleFlowSDKException

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

KeyValues = Union[Mapping[str, str], str, None]


def require(value: Any, code: str, what: str) -> None:
    """Raise ``PaddleFlowSDKException(code)`` unless ``value`` is a non-blank string."""
    if value is None or not isinstance(value, str) or value.strip() == "":
        raise PaddleFlowSDKException(code, "%s should not be none or empty" % what)


def kv_dict(value: KeyValues, what: str = "labels") -> Optional[Dict[str, str]]:
    """Accept a dict or a ``"k=v,k2=v2"`` string (as the CLI takes) and return a dict.

    ``"k="`` gives an empty value (which, in an update, deletes the key). None stays None.
    """
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if not isinstance(value, str):
        raise PaddleFlowSDKException("InvalidArgument",
                                     "%s should be a dict or a 'k=v,k2=v2' string" % what)
    out: Dict[str, str] = {}
    for item in value.split(","):
        if not item.strip():
            continue
        if "=" not in item:
            raise PaddleFlowSDKException("InvalidArgument",
                                         "%s item %r is not of the form k=v" % (what, item))
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def time_string(value: Union[str, datetime.datetime, None]) -> Optional[str]:
    """Render a start-time filter in the server's ``2006-01-02 15:04:05`` layout."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        return value.strftime(TIME_FORMAT)
    raise PaddleFlowSDKException("InvalidArgument",
                                 "start_time should be a string or a datetime")


def unix_seconds(value: Union[int, float, datetime.datetime, None]) -> Optional[int]:
    """Render a ``timestamp`` filter as integer Unix seconds."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PaddleFlowSDKException("InvalidArgument",
                                     "timestamp should be Unix seconds or a datetime")
    return int(value)


def positive_int(value: Any, what: str) -> int:
    """Check a page size or limit argument."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PaddleFlowSDKException("InvalidArgument",
                                     "%s should be an int greater than 0" % what)
    return value


def compact(d: Mapping[str, Any]) -> Dict[str, Any]:
    """Copy a dict without its None values (the server treats absent and null alike)."""
    return {k: v for k, v in d.items() if v is not None}


class Record:
    """Base of the SDK's info classes: readable repr and equality by attributes."""

    def __repr__(self) -> str:
        fields = ", ".join("%s=%r" % kv for kv in vars(self).items() if kv[1] is not None)
        return "%s(%s)" % (type(self).__name__, fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def to_dict(self) -> Dict[str, Any]:
        """The attributes as a plain dict."""
        return dict(vars(self))
