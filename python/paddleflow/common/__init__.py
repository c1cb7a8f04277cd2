"""Shared pieces of the SDK: the exception, the HTTP session and small helpers."""
