"""Signing in works in a real browser, and the first pages meet the page rules and WCAG 2.2 AA."""

from __future__ import annotations

from tests.browser.conftest import check_accessible, check_page, sign_in


def test_sign_in_page_in_its_empty_and_error_states(browser, server):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()

    page.goto(f"{server.url}/sign-in")
    check_page(page)
    check_accessible(page)
    page.click("button:has-text('Sign in')")

    assert page.locator(".govuk-error-summary").is_visible()
    check_page(page)
    check_accessible(page)
    context.close()


def test_each_person_lands_on_their_work_after_signing_in(browser, server):
    for username in ("laura.bennett", "helen.marsh", "margaret.quinn", "amara.okafor"):
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()

        sign_in(page, server, username)

        assert page.locator("h1").inner_text() == "Your work"
        check_page(page)
        check_accessible(page)
        context.close()
