"""Users."""
from paddleflow.user.user_info import UserInfo

__all__ = ["UserInfo"]
