"""Fixtures shared by test modules, and the order the tests are handed to the workers in."""
from browser import browser  # noqa: F401  (one headless Chromium for every test that opens a page)


def pytest_collection_modifyitems(config, items):
    """The slow tests first (in their files' order, the rest after them): pytest-xdist hands the
    tests out in this order, so the long ones start while both workers are free instead of one
    of them running alone at the end of the run while the other waits."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
