"""Fixtures shared by test modules."""
from browser import browser  # noqa: F401  (one headless Chromium for every test that opens a page)
