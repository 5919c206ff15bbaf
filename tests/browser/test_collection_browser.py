"""The data-entry grid in a real browser: a block copied from Excel and pasted into a cell fills the grid."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from citybase.demo import DemoLogin
from tests.browser.test_browser import log_in

pytestmark = pytest.mark.browser

# What Excel puts on the clipboard for two rows of two cells: tabs between cells, CRLF after each row.
EXCEL_BLOCK = "1,234.5\t800\r\n96.5\t41\r\n"

PASTE = """([selector, text]) => {
  const cell = document.querySelector(selector);
  cell.focus();
  const data = new DataTransfer();
  data.setData("text/plain", text);
  const paste = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
  return cell.dispatchEvent(paste);
}"""


def test_pasting_an_excel_block_fills_the_grid_from_that_cell(page: Page, demo_login: DemoLogin) -> None:
    log_in(page, "nanshan_submitter", demo_login.user_password)
    page.goto("/submit/grid?period=2024Q1&indicator=GDP&indicator=VA_TERTIARY")
    rows = page.locator("#entry-grid tbody tr")
    expect(rows.first).to_have_attribute("data-region", "440305")
    street = rows.nth(1).get_attribute("data-region")

    handled_as_usual = page.evaluate(PASTE, ['input[data-cell="440305:GDP"]', EXCEL_BLOCK])
    assert handled_as_usual is False  # the page took the paste over from the browser
    expect(page.locator('input[data-cell="440305:GDP"]')).to_have_value("1,234.5")
    expect(page.locator('input[data-cell="440305:VA_TERTIARY"]')).to_have_value("800")
    expect(page.locator(f'input[data-cell="{street}:GDP"]')).to_have_value("96.5")
    expect(page.locator(f'input[data-cell="{street}:VA_TERTIARY"]')).to_have_value("41")
    expect(rows.nth(2).locator("input.grid-cell").first).to_have_value("")

    # Pasted into the last column, the cells that fall outside the grid are dropped.
    page.evaluate(PASTE, [f'input[data-cell="{street}:VA_TERTIARY"]', "7\t8\n"])
    expect(page.locator(f'input[data-cell="{street}:VA_TERTIARY"]')).to_have_value("7")
    expect(page.locator(f'input[data-cell="{street}:GDP"]')).to_have_value("96.5")
