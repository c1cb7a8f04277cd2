"""User methods of the Client, under upstream's names (api.md §6.4, §8.3)."""
from paddleflow.common.base import ClientBase, Result
from paddleflow.common.http import quote_segment
from paddleflow.common.util import positive_int, require
from paddleflow.user.user_info import UserInfo


class UserApi(ClientBase):
    """The user methods (mixed into ``paddleflow.Client``)."""

    def add_user(self, user_name: str, password: str) -> Result:
        """Create a user (root only). Returns ``(True, None)``."""
        self.pre_check()
        require(user_name, "InvalidUser", "user_name")
        require(password, "InvalidPassWord", "password")
        self._call("POST", "/user", body={"username": user_name, "password": password})
        return True, None

    def del_user(self, user_name: str) -> Result:
        """Delete a user and their grants (root only). Returns ``(True, None)``."""
        self.pre_check()
        require(user_name, "InvalidUser", "user_name")
        self._call("DELETE", "/user/%s" % quote_segment(user_name))
        return True, None

    def update_password(self, name: str, password: str) -> Result:
        """Set a user's password (root, or the user themself). Returns ``(True, None)``.

        Changing your own password also renews this client's login with the new one.
        """
        self.pre_check()
        require(name, "InvalidUser", "user_name")
        require(password, "InvalidPassWord", "password")
        self._call("PUT", "/user/%s" % quote_segment(name), body={"password": password})
        if name == self.user_id:
            self.login(name, password)
        return True, None

    def list_user(self, maxsize: int = 100) -> Result:
        """List users other than root (root only). Returns ``(True, [UserInfo, ...])``."""
        self.pre_check()
        data = self._call_obj("GET", "/user", query={"maxKeys": positive_int(maxsize, "maxsize")})
        if "message" in data:
            return False, data["message"]
        return True, [UserInfo(u.get("name"), u.get("createTime"))
                      for u in data.get("userList") or []]
