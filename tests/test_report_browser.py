"""The review page in a real browser: Debian's headless Chromium driven by Selenium.

Loads the page made from ``examples/`` and checks that what the scan found renders and
shows: every group, every copy, the differences once opened, the histograms, and that the
page loaded nothing. Saves a screenshot to pytest's ``tmp_path`` and, when
``DEDUP_SCREENSHOT_DIR`` is set, there too. Skips when Chromium, its driver or Selenium is
missing (``.ci/run`` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fixture_corpus import isolate

from dedup.cli import cli

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
#: Read before the tests run: they clear every DEDUP_* variable (see ``isolate``).
SCREENSHOT_DIR = os.environ.get("DEDUP_SCREENSHOT_DIR")
#: Without network, Chromium waits on connections it would make for itself: these stop them.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--window-size=1280,900",
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
    ),
]
webdriver = pytest.importorskip("selenium.webdriver")
By = pytest.importorskip("selenium.webdriver.common.by").By


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)  # a page that loads nothing; never wait for long
    try:
        yield driver
    finally:
        driver.quit()


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


@pytest.fixture
def examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/ in ``tmp_path``, which the test runs in."""
    isolate(monkeypatch, tmp_path)
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    return tmp_path / "examples"


def save_screenshot(browser: Any, tmp_path: Path, name: str) -> Path:
    """A screenshot of the whole page, in ``tmp_path`` and ``DEDUP_SCREENSHOT_DIR``."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height) + 40, 8000))
    shot = tmp_path / name
    assert browser.save_screenshot(str(shot))
    browser.set_window_size(1280, 900)
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(SCREENSHOT_DIR) / name)
    assert shot.read_bytes().startswith(b"\x89PNG")
    return shot


def visible(browser: Any, selector: str) -> list[Any]:
    return [e for e in browser.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]


def test_the_examples_page_renders_every_group_and_its_differences(
    browser: Any, examples: Path, tmp_path: Path
) -> None:
    scanned = json.loads(run("scan", "examples", "--format", "json", "-q"))["groups"]
    run("report", "examples", "-o", "report.html", "-q")
    browser.get((tmp_path / "report.html").as_uri())

    groups = visible(browser, "section.group")
    assert len(groups) == len(scanned) > 0
    sizes = [int(g.get_attribute("data-size")) for g in groups]
    assert sizes == sorted((1 + len(g["copies"]) for g in scanned), reverse=True)
    copies = sum(len(g["copies"]) for g in scanned)
    assert len(visible(browser, "tr.member")) == copies
    figures = [f.text.split("\n")[0] for f in visible(browser, ".figure")]
    assert figures[1:3] == [str(len(scanned)), str(copies)]
    assert len(visible(browser, "#chart-sizes .fill")) >= 1

    # Differences are folded: closed, their tables hidden until a click opens them.
    diffs = browser.find_elements(By.CSS_SELECTOR, "details.diff")
    assert len(diffs) == copies
    assert visible(browser, "table.sbs") == []
    for summary in browser.find_elements(By.CSS_SELECTOR, "details.diff > summary"):
        browser.execute_script("arguments[0].scrollIntoView()", summary)
        summary.click()
    assert all(d.get_attribute("open") is not None for d in diffs)
    tables = visible(browser, "table.sbs")
    assert len(tables) == sum(1 for d in diffs if "same words" not in d.text)
    drawn = browser.execute_script(
        "return [...document.querySelectorAll('table.sbs del, table.sbs ins')]"
        ".map(e => e.getBoundingClientRect().width > 0)"
    )
    assert drawn and all(drawn)  # every marked difference takes room on the page

    loaded = browser.execute_script("return performance.getEntriesByType('resource').length")
    assert loaded == 0
    browser.execute_script("window.scrollTo(0, 0)")
    save_screenshot(browser, tmp_path, "report-examples.png")


def test_a_hostile_title_shows_as_text_and_runs_nothing(
    browser: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    title = "<script>document.title='owned'</script><img src=x onerror=\"document.title='owned'\">"
    body = " ".join(f"Invented sentence number {n} about a harbour crane." for n in range(40))
    records = [{"title": title, "text": body}, {"title": title, "text": body}]
    corpus = tmp_path / "hostile"
    corpus.mkdir()
    (corpus / "records.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8"
    )
    run("report", "hostile", "-o", "hostile.html", "-q")
    browser.get((tmp_path / "hostile.html").as_uri())
    assert browser.title.startswith("dedup report")
    shown = visible(browser, "section.group .canonical .title")
    assert [e.text for e in shown] == [title]
    assert browser.find_elements(By.CSS_SELECTOR, "section.group script, section.group img") == []
