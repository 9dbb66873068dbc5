"""The plugin's Content-Security-Policy in a real browser: every main page (inside the demo
host's layout) loads and works — dialogs, the drop-down search, the user switcher, an import
with its live progress and notifications — without one CSP violation reported by Chromium."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import sign_in

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                              + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
"""

CSV = ("Country Code,First Name,Last Name,Mobile Number,Email,Segments\n"
       + "".join(f"US,Csp{n},Person,,csp.{n}@example.com,North Region\n" for n in range(30))).encode()


@pytest.fixture
def watched(page):
    """The browser page, recording every CSP violation (events and console reports)."""
    page.context.add_init_script(WATCH_VIOLATIONS)
    console = []
    page.on("console", lambda message: console.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.csp_console = console
    return page


def violations(page):
    """The violations reported so far on the current document, and on the console."""
    return page.evaluate("window.__cspViolations || []") + page.csp_console


def visit(page, url):
    """Open ``url``; it must carry the plugin's policy and raise no violation."""
    response = page.goto(url)
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, (url, policy)
    page.wait_for_load_state("load")
    assert violations(page) == [], (url, violations(page))


def test_the_watcher_sees_a_violation(watched, server):
    """Self-check: a blocked request is reported, so a quiet page really had none."""
    sign_in(watched, server.url, "manager")
    watched.evaluate("""() => { const img = document.createElement("img");
                               img.src = "https://blocked.invalid/pixel.png";
                               document.body.appendChild(img); }""")
    expect(watched.locator("body")).to_be_visible()
    watched.wait_for_function("window.__cspViolations.length > 0")
    assert any("img-src" in item for item in violations(watched))


def test_main_pages_raise_no_violation_and_their_scripts_work(watched, server):
    page, base = watched, server.url
    sign_in(page, base, "manager")  # the switcher submits through the demo host's script file
    assert violations(page) == []
    expect(page.locator("#demo-user option:checked")).to_contain_text("manager")

    visit(page, f"{base}/segments/")
    # Dialogs and the selection summary (segments.js).
    for box in page.locator(".contact-check").all()[:2]:
        box.check()
    page.click("#create-segment-button")
    expect(page.locator("#create-dialog")).to_be_visible()
    expect(page.locator("#create-dialog-count")).to_have_text("The 2 contacts you ticked will be put in it.")
    page.fill("#create-name", "Csp Checked")
    page.locator("#create-dialog button[type=submit]").click()
    expect(page.locator(".seg-message--success")).to_contain_text('Segment "Csp Checked" created')
    # The drop-down's search as you type (fetch of segments.json).
    page.click("#segment-dropdown summary")
    page.fill("#segment-search", "csp check")
    expect(page.locator("#segment-list .seg-dropdown__name")).to_have_text(["Csp Checked"])
    # The rename dialog, opened from the drop-down.
    page.locator("#segment-list [data-rename]").first.click()
    expect(page.locator("#rename-dialog")).to_be_visible()
    expect(page.locator("#rename-name")).to_have_value("Csp Checked")
    page.keyboard.press("Escape")
    assert violations(page) == []

    segment_href = page.locator("#segment-list [data-rename]").first.get_attribute("href")
    segment_id = re.search(r"/segments/(\d+)/rename", segment_href).group(1)
    for path in ("/segments/new", f"/segments/{segment_id}/rename", f"/segments/{segment_id}/delete",
                 "/segments/imports", "/segments/imports/999999", f"/segments/{segment_id}/activity",
                 "/segments/deleted", "/segments/contacts/1/history"):
        visit(page, base + path)


def test_an_import_with_live_progress_raises_no_violation(watched, server):
    page, base = watched, server.url
    sign_in(page, base, "consultant")
    visit(page, f"{base}/segments/contacts/new")
    page.set_input_files("#import-file", files=[{"name": "csp.csv", "mimeType": "text/csv", "buffer": CSV}])
    expect(page.locator(".seg-dropzone__file")).to_have_text("csp.csv")  # segments.js
    page.click("#import-button")
    expect(page.locator("#import-result")).to_be_visible(timeout=60_000)  # polled, then reloaded
    # This import's notice (other tests' imports in the shared server may have theirs).
    done = page.locator(".seg-toast", has_text='"csp.csv" is ready:')
    expect(done).to_be_visible()
    done.locator("button").click()  # dismissed through fetch with the X-CSRFToken header
    expect(done).to_have_count(0)
    assert violations(page) == []
    page.reload()
    expect(page.locator(".seg-toast", has_text='"csp.csv" is ready:')).to_have_count(0)
