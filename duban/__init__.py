"""Duban (督办): 13710 supervision of government work."""

__version__ = "0.1.0"
