"""Delivery you can trust (issue 8): pacing, crash safety, order, outages, features."""
