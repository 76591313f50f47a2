from tests.matrix.routes import EVERYONE_SIGNED_IN, RW_API, Route, on

ALL = EVERYONE_SIGNED_IN
MANAGERS = frozenset({"commissioner", "provider_manager"})


def _directory(kind, key):
    """The API's list of one kind of organisation, and one of them (a reference any user may read)."""
    return [
        Route(f"portal-api:{kind}-list", {"GET": ALL}),
        Route(
            f"portal-api:{kind}-detail",
            {"GET": ALL},
            kwargs=lambda w: {"pk": w.orgs[key].pk},
            owner=key,
            reference=True,
        ),
    ]


ROUTES = [
    Route("portal:dashboard", {"GET": ALL}),
    Route("portal:api-access", {"GET": ALL}),
    Route("portal:organisation-details", {"GET": MANAGERS, "POST": MANAGERS}),
    # Revoking a key of one's own organisation: its commissioners or provider managers.
    Route(
        "portal:api-token-revoke",
        {"POST": frozenset({"commissioner", "provider_manager"})},
        kwargs=lambda w: {"pk": w.user("C1", "api_client").api_tokens.get().pk},
        owner="C1",
    ),
    Route("portal:accessibility", {"GET": ALL}, public=True),
    # Signed-in users are sent home from the sign-in page whatever the method.
    Route("account_login", {m: ALL for m in ("GET", "POST", "PUT", "PATCH", "DELETE")}, public=True),
    Route("account_logout", {"POST": ALL}, public=True),
    # allauth's second-factor pages: each person's own (the matrix's sessions have passed theirs).
    # allauth's form views take PUT as POST, and (mfa_reauthenticate) send PATCH and DELETE to sign
    # in again; the matrix's people have no authenticator yet, so the pages about one answer 404.
    Route("account_reauthenticate", {"GET": ALL, "POST": ALL, "PUT": ALL}),
    Route("mfa_index", {"GET": ALL}),
    # How long the session has left, and "stay signed in".
    Route("session", {"GET": ALL, "POST": ALL}),
    Route("mfa_authenticate", {m: ALL for m in ("GET", "POST", "PUT", "PATCH", "DELETE")}, public=True),
    Route("mfa_reauthenticate", {m: ALL for m in ("GET", "POST", "PUT", "PATCH", "DELETE")}),
    Route("mfa_activate_totp", {"GET": ALL, "POST": ALL, "PUT": ALL}),
    Route("mfa_deactivate_totp", {"GET": ALL, "POST": ALL, "PUT": ALL}, extra_ok=frozenset({404})),
    Route("mfa_view_recovery_codes", {"GET": ALL}, extra_ok=frozenset({404})),
    Route("mfa_generate_recovery_codes", {"GET": ALL, "POST": ALL, "PUT": ALL}),
    Route("mfa_download_recovery_codes", {"GET": ALL}, extra_ok=frozenset({404})),
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
    *_directory("commissioner", "C1"),
    *_directory("provider", "P1"),
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

# Webhooks: each organisation's own; its commissioners or provider managers (and read-write
# tokens) manage them, everyone in it reads them and the delivery log.
WEBHOOK_MANAGERS = frozenset({"commissioner", "provider_manager"})
COUNCIL_WEBHOOK = ("council_webhook", "C1P1")
COUNCIL_DELIVERY = ("council_webhook_delivery", "C1P1")
ROUTES += [
    Route("portal:webhook-list", {"GET": ALL}),
    Route("portal:webhook-create", {"GET": WEBHOOK_MANAGERS, "POST": WEBHOOK_MANAGERS}),
    on("portal:webhook-detail", {"GET": ALL}, COUNCIL_WEBHOOK, owner="C1"),
    Route("portal-api:webhook-subscription-list", {"GET": ALL, "POST": WEBHOOK_MANAGERS | RW_API}),
    on(
        "portal-api:webhook-subscription-detail",
        {"GET": ALL, "PUT": WEBHOOK_MANAGERS | RW_API, "PATCH": WEBHOOK_MANAGERS | RW_API},
        COUNCIL_WEBHOOK,
        owner="C1",
    ),
    Route("portal-api:webhook-delivery-list", {"GET": ALL}),
    on("portal-api:webhook-delivery-detail", {"GET": ALL}, COUNCIL_DELIVERY, owner="C1"),
]

# Issue 16: each person's email choice, and the header search (scoped results, any signed-in person).
ROUTES += [
    Route("portal:notifications", {"GET": ALL, "POST": ALL}),
    # "ZZ" is in every care-record canary: each person sees their own, never another pair's.
    Route("portal:search", {"GET": ALL}, query="q=ZZ"),
]

# The access log: who in the organisation read personal data; its managers read it (issue 15).
ROUTES += [
    Route("portal:access-log", {"GET": MANAGERS}),
    Route("portal:access-log-export", {"GET": MANAGERS}),
]

# An organisation's managers run its people's accounts (issue 15): C1's brokerage officer is the
# person acted on; everyone outside C1 gets 404, C1's other roles 403.
C1_PERSON = lambda w: {"pk": w.user("C1", "brokerage").pk}  # noqa: E731
ROUTES += [
    Route("portal:people-list", {"GET": MANAGERS}),
    Route("portal:person-invite", {"GET": MANAGERS, "POST": MANAGERS}),
    Route("portal:person-detail", {"GET": MANAGERS}, kwargs=C1_PERSON, owner="C1"),
    Route("portal:person-role", {"GET": MANAGERS, "POST": MANAGERS}, kwargs=C1_PERSON, owner="C1"),
    *(
        Route(f"portal:person-{action}", {"POST": MANAGERS}, kwargs=C1_PERSON, owner="C1")
        for action in ("deactivate", "reactivate", "second-factor-reset", "unlock", "invite-again")
    ),
    # The emailed link: anyone may open it; a key that is not an open invitation answers 410.
    Route(
        "invitation_accept",
        {"GET": ALL, "POST": ALL},
        public=True,
        kwargs=lambda w: {"key": "not-a-key"},
    ),
    # Each person's own password (allauth's page; the current password is asked for).
    Route("account_change_password", {"GET": ALL, "POST": ALL}),
]
