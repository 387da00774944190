"""The front end in a real browser (headless Debian Chromium driven by Playwright).

JupyterLab: a notebook with every widget runs; the page opens with no dialog (no "Build Recommended"), the
Young and decomposition explorers react to their controls, the structure and Born-charge views render.
`tensor-nb serve`: a CIF uploaded in the browser gives the same numbers as `tensor-nb predict`; every view is
screenshotted. Screenshots go to tests/artifacts/.
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

import numpy as np
import pytest


pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CELLS = [
    "from tensor_nb.widgets import *\nfrom tensor_nb.examples import example_structures\n"
    "from tensor_nb.cards import shipped_models\nm = example_structures()",
    "young_explorer()",
    "decomposition_explorer('elastic')",
    "c = shipped_models()['elastic']\nmae_heatmap({'model': c['test']['component_mae'], "
    "'mean predictor': c['baselines']['mean_component_mae']}, 'elastic')",
    "structure_figure(m['BaTiO3'])",
    "born_charge_explorer({n: m[n] for n in ['BaTiO3', 'ZnO']})",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: int = 180) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            assert proc.poll() is None and time.time() < deadline, f"{url} did not come up"
            time.sleep(0.5)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    nb = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in CELLS
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "widgets.ipynb").write_text(json.dumps(nb))
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tensor_nb.cli",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--IdentityProvider.token=",
            "--allow-root",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.ip=127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1"},
    )  # `tensor-nb lab`: JupyterLab with the package's settings
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/api/status", proc)
    yield url
    import psutil  # ipykernel's dependency

    kernels = psutil.Process(proc.pid).children(recursive=True)  # `tensor-nb lab` is JupyterLab itself (exec)
    stop(proc)
    _, alive = psutil.wait_procs(kernels, timeout=20)
    assert not alive, f"stopping `tensor-nb lab` left {len(alive)} process(es) running (a kernel?)"


@pytest.fixture(scope="module")
def explorer():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tensor_nb.cli", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(url, proc, 300)
    yield url
    stop(proc)


def test_jupyterlab_widgets(browser, lab):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{lab}/lab/tree/widgets.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=120_000)
    time.sleep(8)  # a dialog, if any, shows up while the kernel starts
    page.screenshot(path=str(ARTIFACTS / "lab_opened.png"))
    assert page.locator(".jp-Dialog").count() == 0, page.locator(".jp-Dialog").inner_text()
    page.locator(".jp-Cell .cm-content").first.click()
    for _ in CELLS:
        page.keyboard.press("Shift+Enter")
        time.sleep(1)
    page.wait_for_function("document.body.innerText.includes('dim GL(3) irrep')", timeout=240_000)
    slider = page.locator(".widget-slider").first
    handle = slider.locator(".noUi-handle, .ui-slider-handle, [role='slider']").first
    readout = slider.locator(".widget-readout")
    for _ in range(5):  # a key press is lost while the slider still renders: retry until the rank no longer reads 4
        handle.focus()
        page.keyboard.press("ArrowLeft")
        time.sleep(3)
        if readout.count() == 0 or readout.first.inner_text().strip() != "4":
            break
    # the kernel answers widget events only after the cells queued above (cold caches in CI: minutes)
    page.wait_for_function("document.body.innerText.includes('S3')", timeout=300_000)
    page.screenshot(path=str(ARTIFACTS / "lab_young_explorer.png"))
    page.locator(".widget-dropdown select").nth(3).select_option("Si")
    page.wait_for_function("document.body.innerText.includes('l=4: 62.88')", timeout=300_000)
    page.screenshot(path=str(ARTIFACTS / "lab_decomposition_explorer.png"))
    page.wait_for_function("document.body.innerText.includes('isotropic (l=0)')", timeout=300_000)  # Born charges
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 4", timeout=120_000)
    for i, name in enumerate(["lab_mae_heatmap", "lab_structure", "lab_born_charges"]):
        plots = page.locator(".jp-OutputArea-output .js-plotly-plot")
        plots.nth(min(i + 1, plots.count() - 1)).scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    assert page.locator(".jp-Dialog").count() == 0
    page.screenshot(path=str(ARTIFACTS / "lab_all_widgets.png"), full_page=True)
    page.close()


def test_explorer_upload_matches_cli(browser, explorer, tmp_path):
    from tensor_nb.conventions import voigt_labels
    from tensor_nb.examples import example_cif
    from tensor_nb.report import fmt

    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(explorer)
    page.wait_for_selector("#crystal-title", timeout=300_000)
    page.screenshot(path=str(ARTIFACTS / "explorer_example.png"), full_page=True)
    cif = example_cif("BaTiO3")
    page.locator("#upload input[type=file]").set_input_files(str(cif))
    page.wait_for_function("document.querySelector('#crystal-title').innerText.includes('BaTiO3.cif')", timeout=300_000)
    page.screenshot(path=str(ARTIFACTS / "explorer_uploaded.png"), full_page=True)
    cli = subprocess.run(
        [sys.executable, "-m", "tensor_nb.cli", "predict", str(cif), "--kind", "elastic", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    voigt = np.array(json.loads(cli.stdout)[0]["voigt"])
    labels = voigt_labels("elastic")
    for a, b in [(0, 0), (0, 1), (2, 2), (3, 3), (0, 2)]:
        shown = page.locator(f"#elastic-pred-{labels[a, b]}").inner_text()
        assert shown == fmt(voigt[a, b]), (labels[a, b], shown, voigt[a, b])
    for task in ("piezoelectric", "dielectric"):
        page.locator(f"#section-{task}").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"explorer_{task}.png"))
    eps_xx = page.locator(f"#dielectric-pred-{voigt_labels('dielectric')[0, 0]}")
    alone = eps_xx.inner_text()
    page.locator("#ionic input[type=checkbox]").check()  # the uploaded crystal again, with the ionic blend
    page.wait_for_function("document.querySelector('#section-dielectric').innerText.includes('ionic response')",
                           timeout=300_000)
    assert "BaTiO3.cif" in page.locator("#crystal-title").inner_text()
    # SevenNet-0 finds this BaTiO3 unstable at Gamma (its soft mode): the page says so and keeps the model's tensor
    assert "dynamically unstable" in page.locator("#section-dielectric").inner_text()
    assert eps_xx.inner_text() == alone
    page.locator("#section-dielectric").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "explorer_dielectric_ionic.png"))
    page.close()


def test_enough_screenshots():
    shots = list(ARTIFACTS.glob("*.png")) if ARTIFACTS.exists() else []
    assert len(shots) >= 8, [p.name for p in shots]
