from tests.matrix.routes import EVERYONE_SIGNED_IN, Route

ALL = EVERYONE_SIGNED_IN

ROUTES = [
    Route("portal:dashboard", {"GET": ALL}),
    Route("portal:api-access", {"GET": ALL}),
    Route("portal:accessibility", {"GET": ALL}, public=True),
    # Signed-in users are sent home from the sign-in page whatever the method.
    Route("login", {m: ALL for m in ("GET", "POST", "PUT", "PATCH", "DELETE")}, public=True),
    Route("logout", {"POST": ALL}, public=True),
    Route("password_reset", {"GET": ALL, "POST": ALL}, public=True),
    Route("password_reset_done", {"GET": ALL}, public=True),
    # Django answers an expired or forged link with the "link has expired" page, whatever the method.
    Route(
        "password_reset_confirm",
        {m: ALL for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
        public=True,
        kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"},
    ),
    Route("password_reset_complete", {"GET": ALL}, public=True),
    Route("schema", {"GET": ALL}, public=True),
    Route("swagger-ui", {"GET": ALL}, public=True),
    Route("portal-api:me", {"GET": ALL}),
    Route("portal-api:commissioner-list", {"GET": ALL}),
    Route(
        "portal-api:commissioner-detail",
        {"GET": ALL},
        kwargs=lambda w: {"pk": w.orgs["C1"].pk},
        owner="C1",
        reference=True,
    ),
    Route("portal-api:provider-list", {"GET": ALL}),
    Route(
        "portal-api:provider-detail",
        {"GET": ALL},
        kwargs=lambda w: {"pk": w.orgs["P1"].pk},
        owner="P1",
        reference=True,
    ),
]

ROUTES += [
    Route("portal:alert-list", {"GET": ALL}),
    # P1's alert for provider staff to act on: only P1 sees it; managers and staff may resolve it.
    Route(
        "portal:alert-resolve",
        {"POST": {"provider_manager", "provider_staff"}},
        kwargs=lambda w: {"pk": w.get("provider_alert", "C1P1").pk},
        owner="P1",
    ),
]
