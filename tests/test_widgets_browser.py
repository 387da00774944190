"""Widgets in a real browser: JupyterLab on localhost, headless Chromium driven by Playwright.

Runs a notebook that shows the Young-tableaux and decomposition explorers, moves the rank slider
and picks a preset, and checks that the page reflects it; screenshots go to tests/artifacts/.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CELLS = ["from tensor_nb.widgets import young_explorer, decomposition_explorer", "young_explorer()", "decomposition_explorer('elastic')"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in CELLS],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    (root / "widgets.ipynb").write_text(json.dumps(nb))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--IdentityProvider.token=", "--allow-root",
                             "--ServerApp.password=", f"--ServerApp.root_dir={root}", "--ServerApp.ip=127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            break
        except OSError:
            assert proc.poll() is None and time.time() < deadline, "JupyterLab did not start"
            time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:  # a kernel still shutting down
        proc.kill()
        proc.wait()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")
def test_widgets_react_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(exist_ok=True)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(f"{lab}/lab/tree/widgets.ipynb")
        page.wait_for_selector(".jp-Notebook", timeout=120_000)
        page.wait_for_selector(".jp-Cell .cm-content", timeout=120_000)
        time.sleep(5)  # let the kernel start
        for _ in range(3):  # kernel choice or notification dialogs: accept their default
            if page.locator(".jp-Dialog").count() == 0:
                break
            page.screenshot(path=str(ARTIFACTS / "dialog.png"))
            page.locator(".jp-Dialog .jp-mod-accept").first.click()
            time.sleep(1)
        page.locator(".jp-Cell .cm-content").first.click()
        for _ in CELLS:  # run each cell and move to the next
            page.keyboard.press("Shift+Enter")
            time.sleep(1)
        slider = page.locator(".widget-slider").first
        try:
            slider.wait_for(timeout=180_000)
        finally:
            page.screenshot(path=str(ARTIFACTS / "widgets_initial.png"), full_page=True)
        page.wait_for_function("document.body.innerText.includes('dim GL(3) irrep')", timeout=120_000)
        page.screenshot(path=str(ARTIFACTS / "widgets_initial.png"), full_page=True)
        # move the rank slider from 4 to 3 with the keyboard
        slider.locator(".noUi-handle, .ui-slider-handle, [role='slider']").first.focus()
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("document.body.innerText.includes('irrep = ') && document.body.innerText.includes('S3')", timeout=60_000)
        # pick the silicon preset in the decomposition explorer
        dropdowns = page.locator(".widget-dropdown select")
        dropdowns.nth(3).select_option("Si")
        page.wait_for_function("[...document.querySelectorAll('textarea')].some(t => t.value.includes('165.7'))", timeout=60_000)
        page.wait_for_function("document.body.innerText.includes('l=4: 62.88')", timeout=60_000)  # silicon's anisotropy
        text = page.locator("body").inner_text()
        page.screenshot(path=str(ARTIFACTS / "widgets_after.png"), full_page=True)
        browser.close()
    assert "dim GL(3) irrep = 10" in text and "l=4: 62.88" in text
