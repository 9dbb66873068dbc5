"""Bulk import in a real browser, as the help article walks through it: "Create Contact" →
scroll down → "Example" → choose or drop the file → Preview → Import Contacts → the two
notifications and the progress bar → the per-row report → the contacts are in the segment.

The whole flow runs twice: with the in-process default (SQLite) and with a real RQ worker on
Redis (PostgreSQL)."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from contact_segments.demo.models import Account, db
from contact_segments.imports.models import Import

from .conftest import BASE_CONFIG, shot, sign_in, subprocess_host

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "imports_db"))
from importdb_helpers import age_import  # noqa: E402

ROWS = 1500
HEADER = "Country Code,First Name,Last Name,Mobile Number,Email,Segments\n"


def contacts_file(tag, rows=ROWS, segments="North Region; Nowhere Segment"):
    """A CSV of ``rows`` contacts named ``Imp<tag>-<n>`` plus one bad row (no mobile, no email)."""
    lines = [HEADER]
    for n in range(rows):
        lines.append(f"US,Imp{tag}{n},Person,,imp{tag}.{n}@example.com,{segments}\n")
    lines.append("US,Broken,Row,,,North Region\n")
    return "".join(lines).encode()


def open_import_form(page, base_url, role="consultant"):
    """Contacts page → "Create Contact" → scroll down to the bulk import."""
    sign_in(page, base_url, role)
    page.click("text=Create Contact")
    page.locator("#bulk-import").scroll_into_view_if_needed()
    expect(page.locator("#example-link")).to_be_visible()


def watch_progress(page):
    """Follow the import page until it shows the result; return the progress values seen."""
    seen = []
    deadline = time.monotonic() + 180  # a deadline for a busy machine, not a wait
    while time.monotonic() < deadline:
        try:
            if page.locator("#import-result").count():
                break
            seen.append(page.evaluate(
                "() => { const bar = document.getElementById('import-progress-bar');"
                " return bar ? [bar.value, bar.max] : null; }"))
        except Exception:  # noqa: BLE001 - the page reloads itself when the import ends
            pass
        time.sleep(0.05)
    expect(page.locator("#import-result")).to_be_visible()
    return [value for value in seen if value]


def drop_file(page, name, content):
    """Drop a file on the drop zone with a synthetic DataTransfer drop event."""
    page.evaluate(
        """([name, text]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], name, {type: "text/csv"}));
            const zone = document.querySelector("[data-dropzone]");
            zone.dispatchEvent(new DragEvent("dragenter", {dataTransfer: transfer, bubbles: true, cancelable: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""", [name, content.decode()])


def dismiss_notifications(page):
    """Close every notification with its × button (marks them read); success notifications may
    already have hidden by themselves."""
    toasts = page.locator(".seg-toast")
    while toasts.count():
        count = toasts.count()
        page.locator(".seg-toast:visible").first.locator("button").click()
        expect(toasts).to_have_count(count - 1)


def contact_segments(page, base_url, search):
    """The segment chips of the contact found by ``search`` on the contacts page."""
    page.goto(f"{base_url}/segments/?q={search}")
    expect(page.locator("tbody tr")).to_have_count(1)
    return sorted(page.locator("tbody tr .seg-chip").all_inner_texts())


@pytest.fixture(params=["in-process", "rq-worker"])
def import_server(request):
    """The demo host running imports in-process, then with a real RQ worker."""
    return request.getfixturevalue("server" if request.param == "in-process" else "rq_server")


def test_import_flow(page, import_server, request):
    base = import_server.url
    tag = "rq" if "rq" in request.node.name else "ip"
    docs = tag == "ip"
    open_import_form(page, base)
    shot(page, f"create-contact-{tag}")
    if docs:
        shot(page, "create-contact", docs=True)

    with page.expect_download() as download:
        page.click("#example-link")
    example = download.value
    assert example.suggested_filename == "contacts-import-example.csv"
    with open(example.path(), encoding="utf-8-sig") as handle:
        assert next(csv.reader(handle))[:5] == ["Country Code", "First Name", "Last Name",
                                                "Mobile Number", "Email"]

    # Choose file → Preview (dry run): counts, first errors, unknown segment names.
    page.set_input_files("#import-file", files=[{
        "name": f"contacts-{tag}.csv", "mimeType": "text/csv", "buffer": contacts_file(tag)}])
    expect(page.locator(".seg-dropzone__file")).to_have_text(f"contacts-{tag}.csv")
    page.click("#preview-button")
    watch_progress(page)
    expect(page.locator("#count-created")).to_have_text(f"{ROWS:,}")
    expect(page.locator("#count-failed")).to_have_text("1")
    expect(page.locator("#unknown-segments")).to_contain_text("Nowhere Segment")
    expect(page.locator("#import-errors")).to_contain_text("neither a Mobile Number nor an Email")
    shot(page, f"import-preview-{tag}")
    if docs:
        shot(page, "import-preview", docs=True, full_page=True)

    # The preview's own notifications are dismissed with their × buttons.
    dismiss_notifications(page)

    # Import Contacts → first notification, a moving progress bar, second notification.
    page.click("#import-after-preview")
    queued = page.locator(".seg-toast", has_text="You will be notified when your bulk import is ready")
    expect(queued).to_be_visible()
    shot(page, f"import-queued-{tag}")
    seen = watch_progress(page)
    done = page.locator(".seg-toast", has_text=f'"contacts-{tag}.csv" is ready:')
    expect(done).to_be_visible()
    expect(done).to_contain_text(f"{ROWS:,} created, 0 updated, 0 unchanged, 1 failed")
    expect(page.locator("#import-progress-bar")).to_have_attribute("value", str(2 * (ROWS + 1)))
    assert any(0 < value < maximum for value, maximum in seen), seen  # it moved
    shot(page, f"import-finished-{tag}")
    if docs:
        shot(page, "import-finished", docs=True)

    # The notification's link opens the per-row report.
    with page.expect_download() as download:
        done.locator("a").click()
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        report = list(csv.DictReader(handle))
    assert len(report) == ROWS + 1
    outcomes = {row[next(key for key in row if "utcome" in key)] for row in report}
    assert outcomes == {"created", "failed"}
    dismiss_notifications(page)

    # The contacts are in the segment.
    assert contact_segments(page, base, f"imp{tag}.7@example.com") == ["North Region"]
    page.goto(f"{base}/segments/")
    page.click("#segment-dropdown summary")
    page.fill("#segment-search", "north")
    expect(page.locator("#segment-list .seg-dropdown__name")).to_have_text(["North Region"])
    page.locator("#segment-list .seg-dropdown__item a").nth(1).click()
    page.fill("#contact-search", f"imp{tag}.")
    page.press("#contact-search", "Enter")
    expect(page.locator("#select-all-matching")).to_have_attribute("data-total", str(ROWS))

    # Without Replace the file's segments are added; with Replace (dropped file) they replace.
    open_import_form(page, base)
    page.set_input_files("#import-file", files=[{
        "name": "add.csv", "mimeType": "text/csv",
        "buffer": (HEADER + f"US,Imp{tag}7,Person,,imp{tag}.7@example.com,SUV Owners\n").encode()}])
    page.click("#import-button")
    watch_progress(page)
    expect(page.locator("#count-updated")).to_have_text("1")
    dismiss_notifications(page)
    assert contact_segments(page, base, f"imp{tag}.7@example.com") == ["North Region", "SUV Owners"]

    open_import_form(page, base)
    drop_file(page, "replace.csv", (HEADER + f"US,Imp{tag}7,Person,,imp{tag}.7@example.com,South Region\n").encode())
    expect(page.locator(".seg-dropzone__file")).to_have_text("replace.csv")
    page.check("#replace")
    page.click("#import-button")
    # A Replace import is previewed first: the page says what it would remove and asks.
    watch_progress(page)
    expect(page.locator("#replace-removal")).to_contain_text(
        "This will remove 2 segment memberships from 1 contact.")
    dismiss_notifications(page)
    shot(page, f"import-replace-confirmation-{tag}", docs=False)
    if tag == "ip":
        shot(page, "import-replace-confirmation", docs=True)
    preview_url = page.url
    assert contact_segments(page, base, f"imp{tag}.7@example.com") == ["North Region", "SUV Owners"]
    page.goto(preview_url)
    page.click("#import-after-preview")
    watch_progress(page)
    expect(page.locator("#count-removed")).to_have_text("2")
    dismiss_notifications(page)
    assert contact_segments(page, base, f"imp{tag}.7@example.com") == ["South Region"]

    # The history lists the imports with their status and report links.
    page.goto(f"{base}/segments/imports")
    expect(page.locator("tbody tr").first).to_contain_text("replace.csv")
    expect(page.locator("tbody tr", has_text=f"contacts-{tag}.csv").first).to_contain_text("Finished")
    shot(page, f"import-history-{tag}")
    if docs:
        shot(page, "import-history", docs=True)


@pytest.mark.parametrize("name, content, expected", ids=["image", "empty", "too-large", "docx"], argvalues=[
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "This is not a CSV or Excel (.xlsx) file."),
    ("empty.csv", b"", "The file is empty"),
    ("big.csv", HEADER.encode() + b"US,A,B,,a@example.com,\n" * 20000, "larger than the limit of 0.3 MB"),
    ("notes.docx", b"PK\x03\x04 not really a document", "This is not a CSV or Excel (.xlsx) file."),
])
def test_bad_files_are_refused_clearly(page, server, name, content, expected):
    open_import_form(page, server.url)
    before = page.locator("#bulk-import").count()
    page.check("#replace")
    page.set_input_files("#import-file", files=[{"name": name, "mimeType": "text/csv", "buffer": content}])
    page.click("#import-button")
    expect(page.locator("#import-error")).to_contain_text(expected)
    expect(page.locator("#replace")).to_be_checked()  # what the user chose is kept
    assert before == 1
    shot(page, f"import-refused-{name.replace('.', '-')}", docs=name == "empty.csv")


def test_import_without_choosing_a_file(page, server):
    open_import_form(page, server.url)
    page.click("#import-button")
    expect(page.locator("#import-error")).to_have_text(
        "Choose a file first (drag it onto the box or use “Choose file”).")


@pytest.mark.parametrize("browser_locale", ["pt-BR", "fr-FR", "de-DE", "es-ES", "it-IT", "pl-PL"])
def test_every_language_fits_a_phone(browser, server, browser_locale):
    """Longer words (German, Polish...) never push the pages wider than a phone's screen."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale=browser_locale)
    page = context.new_page()
    sign_in(page, server.url, "consultant")
    expected_lang = "pt-BR" if browser_locale == "pt-BR" else browser_locale.split("-")[0]
    assert page.locator("html").get_attribute("lang") == expected_lang
    widths = {}
    for path in ("/segments/", "/segments/imports", "/segments/contacts/new"):
        page.goto(server.url + path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == dict.fromkeys(widths, 390)
    context.close()


@pytest.mark.parametrize("browser_locale", ["en-US", "de-DE"])
def test_an_import_result_reads_well_on_a_phone(browser, server, browser_locale):
    """On a phone the problems of the rows get the screen's width (not a one-word column), and
    long words such as "Segmentzuordnungen" stay inside their count box."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale=browser_locale)
    page = context.new_page()
    sign_in(page, server.url, "consultant")
    page.goto(server.url + "/segments/contacts/new")
    page.set_input_files("#import-file", files=[{"name": "phone.csv", "mimeType": "text/csv", "buffer": (
        HEADER + "US,Ann,Phone,,ann.phone@example.com,\n+55,Bo,Phone,11987654321,,\nUS,Cy,Phone,,,\n").encode()}])
    page.click("#import-button")
    watch_progress(page)
    problems = page.locator("#import-errors tbody td:nth-child(3)")
    expect(problems).to_have_count(2)
    # The result page reloads itself once the import has ended: wait until the table has the
    # width (one reading taken once, in a full run, saw 171 px), failing after 10 s as before.
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#import-errors tbody td:nth-child(3)')]"
        ".every(cell => cell.getBoundingClientRect().width > 250)", timeout=10_000)
    assert min(box["width"] for box in (cell.bounding_box() for cell in problems.all())) > 250
    overflowing = page.evaluate(
        "() => [...document.querySelectorAll('.seg-stats li')].filter(li => li.scrollWidth > li.clientWidth).length")
    assert overflowing == 0
    shot(page, f"import-result-phone-{browser_locale}", full_page=True)
    dismiss_notifications(page)  # the server is shared: leave the user no toasts
    # The history: each import's file name has the row's width, not the checkbox column's.
    page.goto(server.url + "/segments/imports")
    file_cell = page.locator("tbody tr", has_text="phone.csv").first.locator("th")
    assert file_cell.bounding_box()["width"] > 250
    context.close()


def test_import_pages_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    open_import_form(page, server.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "create-contact-phone", docs=True, full_page=True)
    context.close()


def _start_cli_import(server, path, account_id):
    """``flask segments import`` on the server's database in another process (its own process
    group, so that it can be killed the way a restarted machine kills it)."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update({"DATABASE_URL": server.app.config["SQLALCHEMY_DATABASE_URI"],
                **{key: json.dumps(value) for key, value in BASE_CONFIG.items() if key.startswith("SEGMENTS_")}})
    host, env = subprocess_host(env)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", host, "segments", "import",
         str(path), "--account", str(account_id)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _cli_import_state(server):
    """``(id, rows_done, status, created)`` of the newest import of the server's database."""
    with server.app.app_context():
        row = db.session.execute(sa.select(Import.id, Import.rows_done, Import.status, Import.created)
                                 .order_by(Import.id.desc()).limit(1)).one_or_none()
        db.session.remove()
    return row


def test_a_stalled_import_is_resumed_from_the_history_page(page, own_server, tmp_path):
    """The process running an import dies mid-way (a restarted web server): the history says
    "Stalled", Resume continues from the last committed batch and the import ends as if
    nothing had happened."""
    server = own_server
    rows = 2000
    path = tmp_path / "stalls.csv"
    path.write_bytes(contacts_file("stall", rows=rows, segments="North Region"))
    with server.app.app_context():
        account_id = db.session.execute(
            sa.select(Account.id).where(Account.name == "Downtown Motors")).scalar_one()
        db.session.remove()
    process = _start_cli_import(server, path, account_id)
    deadline = time.monotonic() + 60
    while True:
        state = _cli_import_state(server)
        if state is not None and state.rows_done >= 400 and state.status == "running":
            break
        assert time.monotonic() < deadline and process.poll() is None, "the import did not get going"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    import_id, done_when_killed = state.id, _cli_import_state(server).rows_done
    assert 0 < done_when_killed < rows + 1

    with server.app.app_context():
        age_import(db.session, import_id)  # an hour later, still no sign of life
        db.session.remove()
    sign_in(page, server.url, "consultant")
    page.goto(f"{server.url}/segments/imports")
    row = page.locator("tbody tr", has_text="stalls.csv").first
    expect(row).to_contain_text("Stalled")
    # The CLI's import was nobody's: no "your bulk import" notification for this user.
    expect(page.locator(".seg-toast")).to_have_count(0)
    shot(page, "import-stalled")
    with page.expect_navigation():
        row.locator(f'[data-resume="{import_id}"]').click()
    watch_progress(page)
    expect(page.locator("#count-created")).to_have_text(f"{rows:,}")
    expect(page.locator("#count-failed")).to_have_text("1")
    final = _cli_import_state(server)
    assert (final.id, final.status, final.rows_done, final.created) == (import_id, "finished", rows + 1, rows)
    assert contact_segments(page, server.url, "impstall.1999@example.com") == ["North Region"]
