"""The API's shared behaviour: authentication, read-only tokens, JSON errors, never 500."""

import pytest

from portal.models import ApiToken
from portal.roles import Role
from tests.factories import ContractFactory, api_token_for, user_for


@pytest.fixture
def contract(db):
    return ContractFactory()


def test_token_authentication_scopes_to_the_tokens_organisation(api_client, contract):
    _user, key = api_token_for(contract.commissioner)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.get("/api/v1/contracts/")
    assert response.status_code == 200
    assert [c["reference"] for c in response.json()["results"]] == [contract.reference]

    other = ContractFactory()
    _other_user, other_key = api_token_for(other.provider)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_key}")
    assert [c["reference"] for c in api_client.get("/api/v1/contracts/").json()["results"]] == [
        other.reference
    ]
    assert api_client.get(f"/api/v1/contracts/{contract.pk}/").status_code == 404


def test_unknown_revoked_and_malformed_tokens_are_refused_with_json(api_client, contract):
    from django.utils import timezone

    user, key = api_token_for(contract.commissioner)
    for header in ("Token nope", "Token a b", "Token"):
        api_client.credentials(HTTP_AUTHORIZATION=header)
        response = api_client.get("/api/v1/contracts/")
        assert response.status_code == 401, header
        assert "detail" in response.json()
    ApiToken.objects.filter(user=user).update(revoked_at=timezone.now())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/contracts/").status_code == 401


def test_token_keys_are_stored_hashed(contract):
    _user, key = api_token_for(contract.commissioner)
    token = ApiToken.objects.get()
    assert key not in (token.key_hash, token.prefix) and token.prefix == key[:8]


def test_me_reports_capabilities_of_a_read_only_and_a_granted_token(api_client, contract):
    _u, read_only = api_token_for(contract.provider)
    _u2, granted = api_token_for(contract.provider, scopes=["provider_record", "commission"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {read_only}")
    assert api_client.get("/api/v1/me/").json()["capabilities"] == ["view"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {granted}")
    # A provider's token cannot be granted a commissioner's capability.
    assert api_client.get("/api/v1/me/").json()["capabilities"] == ["provider_record", "view"]


@pytest.mark.parametrize(
    "query",
    [
        "live_on=not-a-date",
        "payment_model=bogus",
        "provider=abc",
        "page=999",
        "page=-1",
        "ordering=nope",
        "scheme=1.5",
    ],
)
def test_malformed_filters_answer_400_or_404_with_json(api_client, contract, query):
    api_client.force_login(user_for(contract.commissioner, Role.COMMISSIONER))
    response = api_client.get(f"/api/v1/contracts/?{query}")
    assert response.status_code in (200, 400, 404)
    assert response["Content-Type"].startswith("application/json")
    if response.status_code != 200:
        assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/contracts/999999/",
        "/api/v1/contracts/abc/",
        "/api/v1/schemes/-1/",
        "/api/v1/nowhere/",
        "/api/v1/frameworks/1e9/",
    ],
)
def test_unknown_ids_answer_404_with_json(api_client, contract, path):
    api_client.force_login(user_for(contract.commissioner, Role.COMMISSIONER))
    response = api_client.get(path)
    assert response.status_code == 404
    assert response.json()["detail"]


def test_filter_by_an_id_from_another_organisation_gives_an_empty_list(api_client, contract):
    other = ContractFactory()
    api_client.force_login(user_for(contract.commissioner, Role.COMMISSIONER))
    response = api_client.get(f"/api/v1/contracts/?provider={other.provider.pk}")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_list_endpoints_do_not_query_per_row(api_client, django_assert_max_num_queries, contract):
    from tests.factories import SchemeFactory

    for _ in range(15):
        ContractFactory(
            commissioner=contract.commissioner,
            schemes=[SchemeFactory(lot__framework__commissioner=contract.commissioner)],
        )
    api_client.force_login(user_for(contract.commissioner, Role.COMMISSIONER))
    for path in (
        "/api/v1/contracts/",
        "/api/v1/schemes/",
        "/api/v1/lots/",
        "/api/v1/frameworks/",
        "/api/v1/providers/",
    ):
        with django_assert_max_num_queries(10):
            assert api_client.get(path).status_code == 200


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/contracts/" in schema.content
    assert b"tokenAuth" in schema.content
    assert client.get("/api/docs/").status_code == 200
