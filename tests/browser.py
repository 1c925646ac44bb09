"""Headless Chromium (Debian's, installed by .ci/run) driven by Playwright, to open the HTML
pages insolegen writes as a technician's browser would: from disk, with WebGL through
SwiftShader. Every page opened records its console errors and every request it makes."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM_ARGS = ["--headless=new", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Chromium is not installed: .ci/run installs Debian's chromium (apt-get install chromium)"
    return path


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session's pages (import this fixture into a test module)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=["--use-angle=swiftshader", "--enable-unsafe-swiftshader"])
        yield b
        b.close()


@dataclass
class Opened:
    page: object
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def foreign_requests(self, own: Path) -> list[str]:
        """Requests for anything but the page's own file (inline data and blobs are no requests)."""
        return [u for u in self.requests if u != own.resolve().as_uri() and not u.startswith(("data:", "blob:"))]

    def pixels(self, selector: str) -> np.ndarray:
        import io

        png = self.page.locator(selector).screenshot()
        # less a 2-pixel frame: an element's screenshot can take in a neighbour's border line
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)[2:-2, 2:-2]


def open_page(browser, path: Path, width: int = 1400, height: int = 850, ready: str | None = "html[data-ready='1']") -> Opened:
    page = browser.new_page(viewport={"width": width, "height": height})
    opened = Opened(page)
    page.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("request", lambda r: opened.requests.append(r.url))
    page.goto(path.resolve().as_uri())
    if ready:
        page.wait_for_selector(ready, state="attached", timeout=30000)
    return opened


def ink(pixels: np.ndarray, background=(255, 255, 255)) -> np.ndarray:
    """Where a picture is not its background."""
    return np.abs(pixels - np.asarray(background)).sum(axis=-1) > 60
