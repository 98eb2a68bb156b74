"""Each person's main journey, end to end in Chromium, with the content security policy in force;
the partner's with JavaScript switched off."""

from __future__ import annotations

import re

from tests.browser.conftest import check_page, sign_in

MARKUP = '<script>window.injected = 1</script><b id="injected">bold</b>'


def test_a_partner_records_progress_and_completes_a_task_with_javascript_off(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, server, "laura.bennett")

    page.get_by_role("link", name=re.compile("Tasks for you or your agency")).click()
    first = page.locator(".govuk-summary-card").first
    title = first.locator(".govuk-summary-card__title").inner_text()
    first.locator("summary", has_text="Add a progress note").click()
    first.locator("textarea[name=note]").fill("Weighed at clinic: on the 25th centile.")
    first.get_by_role("button", name="Add the note").click()

    assert page.locator(".govuk-notification-banner").is_visible()
    check_page(page)
    card = page.locator(".govuk-summary-card", has_text=title).first
    card.locator("summary", has_text="Complete with evidence").click()
    card.locator("textarea[name=evidence]").fill(
        "Six weighings recorded in the child health record."
    )
    card.get_by_role("button", name=re.compile("Complete")).click()
    assert page.locator(".govuk-notification-banner").is_visible()
    assert page.locator(".govuk-summary-card__title", has_text=title).count() == 0
    context.close()


def test_a_partners_free_text_is_shown_as_text_never_run(browser, server):
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, server, "laura.bennett")
    page.goto(f"{server.url}/my-tasks")
    card = page.locator(".govuk-summary-card").first
    plan_href = card.locator("a[href^='/plans/']").first.get_attribute("href")
    card.locator("summary", has_text="Add a progress note").click()
    card.locator("textarea[name=note]").fill(MARKUP)
    card.get_by_role("button", name="Add the note").click()

    page.goto(f"{server.url}{plan_href}")

    assert page.locator("#injected").count() == 0
    assert page.evaluate("window.injected === undefined")
    assert '<b id="injected">bold</b>' in page.locator("main").inner_text()
    assert not dialogs
    context.close()


def test_a_chair_reviews_a_plans_history_and_sends_a_letter_of_concern(browser, server):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, "margaret.quinn")

    page.goto(f"{server.url}/plans")
    page.locator("a[href^='/plans/']").first.click()
    heading = page.locator("h1").inner_text()
    assert heading.startswith("Plan for ")
    check_page(page)
    page.locator("#kind-decisions").check()
    page.locator("form[action$='#history'] button[type=submit]").click()
    page.wait_for_url(re.compile("kind=decisions"))  # htmx swaps the history in place
    assert page.locator("#plan-history li").count() > 0
    assert page.locator("h1").inner_text() == heading
    page.get_by_role("link", name=re.compile("Send a letter of concern")).click()
    check_page(page)
    page.locator("input[name=sent_on]").fill("2026-11-25")
    page.locator("textarea[name=concern]").fill("Parents missed two core groups.")
    page.locator("main form[method=post] button[type=submit]").click()

    assert page.locator("h1").inner_text() == heading
    assert "letter of concern" in page.locator("main").inner_text().lower()
    context.close()


def test_a_team_manager_moves_an_escalation_on_and_sees_the_teams_drift(browser, server):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, "helen.marsh")

    page.goto(f"{server.url}/escalations")
    check_page(page)
    page.locator("a[href^='/escalations/']").first.click()
    check_page(page)
    page.locator("summary", has_text=re.compile("contact", re.I)).first.click()
    form = page.locator("form[action$='/contact']")
    form.locator("input[type=date]").first.fill("2026-11-25")
    form.locator("input[name=contact_name]").fill("Designated safeguarding lead")
    form.locator("input[name=contact_agency]").fill("Riverside Primary School")
    form.locator("textarea[name=summary]").fill("Agreed to share attendance weekly.")
    form.locator("button[type=submit]").click()
    assert page.locator(".govuk-notification-banner").is_visible()

    page.goto(f"{server.url}/drift")
    check_page(page)
    assert page.locator("caption", has_text=re.compile("caseload", re.I)).count() == 1
    context.close()


def test_a_social_worker_agrees_an_outcome_and_sets_a_task_under_it(browser, server):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, "amara.okafor")
    page.goto(f"{server.url}/plans")
    plan_url = page.locator("a[href^='/plans/']").first.get_attribute("href")

    page.goto(f"{server.url}{plan_url}/outcomes/new")
    check_page(page)
    page.locator("textarea[name=wording]").fill("Ella sleeps in her own bed every night")
    page.locator("textarea[name=how_we_will_know]").fill("Seen at unannounced visits")
    page.locator("input[name=baseline]").fill("2")
    page.locator("input[name=target]").fill("8")
    page.locator("main button[type=submit]").click()
    assert "Ella sleeps in her own bed every night" in page.locator("main").inner_text()

    page.goto(f"{server.url}{plan_url}/tasks/new")
    check_page(page)
    page.locator("select[name=outcome_id]").select_option(
        label="Ella sleeps in her own bed every night"
    )
    page.locator("textarea[name=description]").fill("Check bedtime routine at each visit")
    page.locator("select[name=assignee]").select_option(index=1)
    page.locator("input[name=due_on]").fill("2026-12-18")
    page.locator("main button[type=submit]").click()
    assert "Check bedtime routine at each visit" in page.locator("main").inner_text()
    context.close()
