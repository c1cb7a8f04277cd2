"""Flavours: named resource sets jobs refer to."""
from paddleflow.flavour.flavour_info import FlavourInfo

__all__ = ["FlavourInfo"]
