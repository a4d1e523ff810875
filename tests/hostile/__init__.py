"""Hostile input (issue 9): one module per kind of attack."""
