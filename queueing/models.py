"""Serving has no tables of its own: it changes scheduling's tokens through its services."""
