"""Hostile input: one module per kind of attack."""
