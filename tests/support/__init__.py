"""Helpers for the tests that are not fixtures: a WSGI app with test-only routes."""
