"""Verify by file in a real Chromium: the browser hashes the dropped PDF itself
(static/js/verify-file.js, crypto.subtle) and sends only its SHA-256; asked to, it sends the
file and the server checks the signature."""

import hashlib

import pytest
from playwright.sync_api import expect

from cpo_portal.documents.rendering import html_to_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_browser_sends_only_the_hash_and_on_request_the_file(live_server, page, tmp_path):
    page.set_default_timeout(15_000)
    pdf = html_to_pdf("<html lang='en'><title>Not ours</title><p>A foreign PDF</p></html>")
    path = tmp_path / "foreign.pdf"
    path.write_bytes(pdf)
    sha256 = hashlib.sha256(pdf).hexdigest()
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    page.goto(f"{live_server.url}/verify/")
    expect(page.locator("#verify-file-mode")).to_contain_text("computes the SHA-256")
    page.get_by_label("Certificate PDF").set_input_files(str(path))
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_url(f"**/verify/?sha256={sha256}")
    expect(page.locator("#verify-file-verdict")).to_contain_text(
        "Not the current file of any certificate"
    )
    expect(page.locator("#verify-file-verdict")).to_contain_text("computed in your browser")
    assert posts == []  # the file never left the browser

    page.get_by_label("Certificate PDF").set_input_files(str(path))
    page.get_by_role("button", name="Send the file to check its signature").click()
    expect(page.locator("#verify-file-verdict")).to_contain_text(
        "Not a CPO certificate from this portal"
    )
    expect(page.locator("#verify-file-verdict")).to_contain_text("the file was not stored")
    assert len(posts) == 1
