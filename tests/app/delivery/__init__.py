"""Delivery you can trust: pacing, crash safety, order, outages, features."""
