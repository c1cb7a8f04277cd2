"""Filesystems (storage that jobs mount)."""
from paddleflow.fs.fs_info import FSInfo

__all__ = ["FSInfo"]
