"""The dashboard in headless Chromium (Debian's chromium + chromium-driver): sign in as a
creator, check the chart and the explanation show the right numbers, save a screenshot.

No skip: a missing browser fails the test (``make test`` installs it with
``apt-get install -y chromium chromium-driver``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from api.live import Site

from .conftest import IMPRESSIONS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--window-size=1360,1250",
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    assert not missing, (
        f"install the browser: apt-get install -y chromium chromium-driver ({missing})"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def until(driver: WebDriver, check: Callable[[WebDriver], Any], timeout: float = 15) -> Any:
    """Poll the page until ``check`` returns something truthy (WebDriverWait, no sleeps)."""
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(check)


def text_of(driver: WebDriver, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text


def signed_out(driver: WebDriver, site: Site) -> None:
    """A fresh page with no token remembered by the tab. The storage is cleared on a page
    that runs no script, so no sign-in in flight can store the token again."""
    driver.get(site.server.url + "/static/dashboard.css")
    driver.execute_script("sessionStorage.clear()")
    driver.get(site.server.url + "/")
    until(driver, lambda d: d.find_element(By.ID, "token").is_displayed())


def sign_in(driver: WebDriver, site: Site, who: str) -> None:
    signed_out(driver, site)
    driver.find_element(By.ID, "token").send_keys(site.tokens[who])
    driver.find_element(By.ID, "signin-button").click()


def losses(driver: WebDriver) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, "#chart-svg rect.loss")


def test_creator_sees_total_chart_explanation_and_advice(browser: WebDriver, site: Site) -> None:
    sign_in(browser, site, "maya")
    until(browser, lambda d: d.find_element(By.ID, "total").get_attribute("data-value") == "4")
    assert text_of(browser, "#total") == "4"
    assert text_of(browser, "#creator-name") == "maya"
    chart = until(browser, lambda d: d.find_element(By.ID, "chart-svg"))
    assert chart.get_attribute("data-end") == "4"
    assert chart.get_attribute("data-bucket") == "day"
    flagged = [r for r in losses(browser) if r.get_attribute("data-cause") == "integrity_flag"]
    assert [r.get_attribute("data-delta") for r in flagged] == ["-5"]
    assert flagged[0].get_attribute("fill") == "#c62828"
    assert flagged[0].size["height"] > 10
    shown = browser.find_elements(By.CSS_SELECTOR, "#chart-svg rect.impressions")
    assert sum(int(r.get_attribute("data-impressions") or 0) for r in shown) == IMPRESSIONS
    versions = browser.find_elements(By.CSS_SELECTOR, "#chart-svg line.version")
    assert [v.get_attribute("data-version") for v in versions] == ["ranker-1", "ranker-2"]
    assert "integrity_flag" in text_of(browser, "#legend")
    assert text_of(browser, "#headline") == "maya: 0 → 4 profile total (the beginning → now)"
    rows = {
        row.get_attribute("data-cause"): row.text
        for row in browser.find_elements(By.CSS_SELECTOR, "#causes tr[data-cause]")
    }
    assert rows["integrity_flag"].startswith("-5")
    assert rows["like"].startswith("+8")
    assert rows["integrity_clear"].startswith("+1")
    assert "Don't buy engagement" in text_of(browser, "#advice")
    assert "maya-dance" in text_of(browser, "#videos")
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "dashboard-creator.png"))


def test_a_video_in_a_window_and_why_someone_cannot_see_it(browser: WebDriver, site: Site) -> None:
    sign_in(browser, site, "maya")
    row = until(browser, lambda d: d.find_element(By.CSS_SELECTOR, 'tr[data-video="maya-dance"]'))
    row.click()
    until(browser, lambda d: d.find_element(By.ID, "chart-title").text.startswith("maya-dance"))
    browser.find_element(By.ID, "since").send_keys("2026-11-03T00:00:00Z")
    browser.find_element(By.ID, "window-button").click()
    until(browser, lambda d: "8 → 4" in d.find_element(By.ID, "headline").text)
    assert text_of(browser, "#headline") == (
        "maya-dance by maya: 8 → 4 likes (2026-11-03T00:00:00Z → now)"
    )
    assert text_of(browser, "#chart-title") == "maya-dance · 4 likes"
    assert {r.get_attribute("data-cause") for r in losses(browser)} == {"integrity_flag"}
    browser.find_element(By.ID, "viewer").send_keys("ana")
    browser.find_element(By.ID, "visible-button").click()
    answer = until(browser, lambda d: d.find_element(By.ID, "visible-result").text)
    assert answer == "ana can see maya-dance."
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "dashboard-video.png"))


def test_admin_picks_a_creator_and_sees_why_a_video_is_hidden(
    browser: WebDriver, site: Site
) -> None:
    sign_in(browser, site, "admin")
    link = until(
        browser, lambda d: d.find_element(By.CSS_SELECTOR, '#top-creators a[data-creator="nia"]')
    )
    link.click()
    until(browser, lambda d: d.find_element(By.ID, "creator-name").text == "nia")
    assert text_of(browser, "#total") == "2"
    browser.find_element(By.ID, "viewer").send_keys("ana")
    browser.find_element(By.ID, "visible-button").click()
    answer = until(browser, lambda d: d.find_element(By.ID, "visible-result").text)
    assert answer == "ana cannot see nia-vlog: the video is private."


def test_a_bad_token_is_told_so(browser: WebDriver, site: Site) -> None:
    signed_out(browser, site)
    browser.find_element(By.ID, "token").send_keys("llk_wrong")
    browser.find_element(By.ID, "signin-button").click()
    message = until(browser, lambda d: d.find_element(By.ID, "signin-error").text)
    assert message.startswith("unauthorized")
    assert not browser.find_element(By.ID, "view").is_displayed()


def test_api_docs_render_every_operation_offline(browser: WebDriver, site: Site) -> None:
    """Swagger UI draws the OpenAPI 3.1 document from this server's own files (the browser
    runs with background networking off and this machine has no route to a CDN)."""
    with site.client(None) as client:
        spec = client.get("/openapi.json").json()
    expected = {
        f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
    }
    browser.get(site.server.url + "/docs")
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock-summary"))
    shown = {
        f"{block.find_element(By.CSS_SELECTOR, '.opblock-summary-method').text} "
        f"{block.find_element(By.CSS_SELECTOR, '.opblock-summary-path').get_attribute('data-path')}"
        for block in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary")
    }
    assert shown == expected
    assert "likeledger" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "api-docs.png"))
