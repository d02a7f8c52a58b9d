"""Debian's chromium, driven by Selenium through Debian's chromedriver (the driver matches
the browser's version; Selenium Manager never runs, nothing is downloaded)."""

from __future__ import annotations

import shutil
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = (
    "the dashboard's browser tests need Debian's chromium and its driver: "
    "`apt-get install -y chromium chromium-driver` (.ci/run installs them)"
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1600,1000",
)


def executables() -> tuple[Path, Path]:
    """The browser and its driver; an AssertionError saying how to install them if either
    is missing (the tests fail loudly, never skip)."""
    browser = CHROMIUM if CHROMIUM.exists() else Path(shutil.which("chromium") or CHROMIUM)
    driver = (
        CHROMEDRIVER
        if CHROMEDRIVER.exists()
        else Path(shutil.which("chromedriver") or CHROMEDRIVER)
    )
    missing = [str(p) for p in (browser, driver) if not p.exists()]
    assert not missing, f"{', '.join(missing)} missing: {INSTALL_HINT}"
    return browser, driver


def start_browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = executables()
    options = webdriver.ChromeOptions()
    options.binary_location = str(browser)
    for flag in FLAGS:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=str(driver)), options=options)
