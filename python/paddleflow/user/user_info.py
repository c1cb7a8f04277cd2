"""UserInfo, with upstream's attribute names."""
from typing import Optional

from paddleflow.common.util import Record


class UserInfo(Record):
    """A user: name and creation time (RFC 3339, as the server sends it)."""

    def __init__(self, name: Optional[str] = None, create_time: Optional[str] = None) -> None:
        self.name = name
        self.create_time = create_time
