"""Every page, as the person who uses it, in its empty, filled and error states: one h1 that
starts the title, unique ids, forms with an action and a token, and no WCAG 2.2 AA violation.
And a form posted without the page's token, or from another site, is refused."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser.conftest import check_accessible, check_page, sign_in


@pytest.fixture(scope="module")
def links(browser, server) -> dict[str, str]:
    """Real records to visit, found the way a person would: by following links."""
    context = browser.new_context()
    page = context.new_page()
    found: dict[str, str] = {}
    sign_in(page, server, "amara.okafor")
    page.goto(f"{server.url}/plans")
    found["amara_plan"] = page.locator("a[href^='/plans/']").first.get_attribute("href") or ""
    context.close()
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, "helen.marsh")
    page.goto(f"{server.url}/escalations")
    found["escalation"] = page.locator("a[href^='/escalations/']").first.get_attribute("href") or ""
    context.close()
    return found


def pages_of(links: dict[str, str]) -> Iterator[tuple[str, str]]:
    plan = links["amara_plan"]
    yield from [
        ("laura.bennett", "/my-tasks"),
        ("laura.bennett", "/plans"),
        ("sanjay.patel", "/my-tasks"),
        ("nadia.khan", "/plans"),
        ("margaret.quinn", "/plans"),
        ("margaret.quinn", plan),
        ("margaret.quinn", f"{plan}?kind=decisions&kind=ratings"),
        ("margaret.quinn", f"{plan}/review-conference"),
        ("margaret.quinn", f"{plan}/letter-of-concern"),
        ("helen.marsh", "/escalations"),
        ("helen.marsh", links["escalation"]),
        ("helen.marsh", f"{plan}/escalations/new"),
        ("helen.marsh", "/drift"),
        ("amara.okafor", f"{plan}/outcomes/new"),
        ("amara.okafor", f"{plan}/agreement"),
        ("amara.okafor", f"{plan}/tasks/new"),
        ("amara.okafor", f"{plan}/core-group"),
        ("amara.okafor", f"{plan}/core-group/meetings/record"),
        ("amara.okafor", "/children/new"),
        ("sam.fletcher", "/access-log"),
        ("sam.fletcher", "/access-log?child=NF100001"),
        ("nadia.khan", "/analytics"),
    ]


FORMS_TO_SUBMIT_EMPTY = (
    ("margaret.quinn", "{plan}/review-conference"),
    ("margaret.quinn", "{plan}/letter-of-concern"),
    ("helen.marsh", "{plan}/escalations/new"),
    ("amara.okafor", "{plan}/outcomes/new"),
    ("amara.okafor", "{plan}/tasks/new"),
    ("amara.okafor", "{plan}/core-group/meetings/record"),
    ("amara.okafor", "/children/new"),
)


def test_every_page_meets_the_page_rules_and_wcag_22_aa(browser, server, links):
    checked = 0
    for username, path in pages_of(links):
        context = browser.new_context(bypass_csp=True)  # axe is injected as a script
        page = context.new_page()
        sign_in(page, server, username)
        response = page.goto(f"{server.url}{path}")

        assert response is not None
        assert response.status == 200, f"{username} {path}: {response.status}"
        check_page(page)
        check_accessible(page)
        checked += 1
        context.close()
    print(f"pages checked: {checked}")


def test_every_form_in_its_error_state_meets_the_rules_and_keeps_the_page(browser, server, links):
    for username, template in FORMS_TO_SUBMIT_EMPTY:
        path = template.format(plan=links["amara_plan"])
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        sign_in(page, server, username)
        page.goto(f"{server.url}{path}")
        for field in page.locator("main form[method=post] textarea").all():
            field.fill("")

        page.locator("main form[method=post] button[type=submit]").first.click()

        assert page.locator(".govuk-error-summary").is_visible(), f"{path}: no error summary"
        first_link = page.locator(".govuk-error-summary a").first.get_attribute("href") or ""
        assert first_link.startswith("#")
        assert page.locator(first_link).count() == 1, f"{path}: {first_link} is not on the page"
        check_page(page)
        check_accessible(page)
        context.close()


def test_a_form_posted_without_the_pages_token_is_refused(browser, server):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, "laura.bennett")
    page.goto(f"{server.url}/my-tasks")
    action = page.locator("form[action*='/progress']").first.get_attribute("action")
    version = page.locator("form[action*='/progress'] input[name=version]").first.input_value()

    no_token = page.request.post(
        f"{server.url}{action}", form={"version": version, "note": "Forged"}
    )
    wrong_token = page.request.post(
        f"{server.url}{action}",
        form={"version": version, "note": "Forged", "csrf_token": "not-the-token"},
    )

    assert no_token.status == 403
    assert wrong_token.status == 403
    assert "could not be accepted" in no_token.text()
    context.close()


def test_a_form_posted_from_another_site_is_refused_even_with_the_token(browser, server):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, "laura.bennett")
    page.goto(f"{server.url}/my-tasks")
    form = page.locator("form[action*='/progress']").first
    action = form.get_attribute("action")
    token = form.locator("input[name=csrf_token]").input_value()
    version = form.locator("input[name=version]").input_value()

    response = page.request.post(
        f"{server.url}{action}",
        form={"version": version, "note": "Forged", "csrf_token": token},
        headers={"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"},
    )

    assert response.status == 403
    assert re.search(r"could not be accepted", response.text())
    context.close()
