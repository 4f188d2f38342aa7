"""Failed authentications are limited per client address and per token prefix, in the database:
429 with Retry-After once a key has too many failures, shared by every app on the same store,
each failure logged without the secret, and the 429 documented in OpenAPI."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Iterator

import attrs
import pytest
from service_api import Api, small_tree

from feedback_service.app import create_app
from feedback_service.auth.throttle import Throttle
from feedback_service.settings import Settings

LIMIT = 3


def wrong_token(prefix: str = "") -> str:
    return "fs_" + (prefix + secrets.token_urlsafe(32))[:43]


@pytest.fixture
def limited(settings: Settings) -> Settings:
    return attrs.evolve(settings, auth_failure_limit=LIMIT, auth_failure_window=dt.timedelta(seconds=120))


@pytest.fixture
def throttled_api(limited: Settings) -> Iterator[Api]:
    with Api.running(create_app(limited, tree=small_tree())) as api:
        api.reset()
        yield api


def test_an_address_with_too_many_failures_gets_429_with_retry_after(
    throttled_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api = throttled_api
    caplog.set_level(logging.WARNING, logger="feedback_service.security")
    guesses = [wrong_token() for _ in range(LIMIT)]
    for guess in guesses:
        assert api.get("/me", who=guess).status_code == 401
    refused = api.get("/me", who=wrong_token())
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "too-many-failures"
    assert 1 <= int(refused.headers["retry-after"]) <= 120
    # Not checked at all while it lasts: the right token from the same address waits too.
    assert api.get("/me", who="province").status_code == 429
    text = caplog.text
    assert text.count("authentication failed") == LIMIT and "authentication throttled" in text
    for guess in guesses:
        assert guess[3:11] not in text, "no part of a token is logged"
        assert f"token_sha256={hashlib.sha256(guess.encode()).hexdigest()[:8]}…" in text


def test_a_token_prefix_is_limited_from_any_address() -> None:
    """The per-prefix key: guesses sharing a prefix are limited even spread over addresses."""
    throttle = Throttle(LIMIT, dt.timedelta(minutes=1))
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    first = throttle.guard("10.0.0.1", wrong_token("abcd"), now)
    other_address = throttle.guard("10.0.0.2", wrong_token("abcd"), now)
    assert first.keys == ("addr:10.0.0.1", "token:fs_abcd")
    assert other_address.keys == ("addr:10.0.0.2", "token:fs_abcd")
    assert throttle.guard("10.0.0.2", "not a token", now).keys == ("addr:10.0.0.2",)
    start = int(now.timestamp())
    assert first.now == start
    counts = [(start, LIMIT)]
    assert throttle.wait(counts, start) == 60
    assert throttle.wait(counts, start + 59) == 1
    assert throttle.wait(counts, start + 60) is None
    assert throttle.wait([(start, LIMIT - 1)], start) is None


def test_failures_are_shared_by_every_app_on_the_store(limited: Settings) -> None:
    """Two apps on one database (two workers, or two hosts on one PostgreSQL) limit together."""
    with (
        Api.running(create_app(limited, tree=small_tree())) as one,
        Api.running(create_app(limited, tree=small_tree())) as two,
    ):
        one.reset()
        two.reset()
        for api in (one, two, one):
            assert api.get("/me", who=wrong_token()).status_code == 401
        assert two.get("/me", who=wrong_token()).status_code == 429
        assert one.get("/me", who=wrong_token()).status_code == 429


def test_a_valid_token_does_not_count_and_a_missing_one_does_not_either(throttled_api: Api) -> None:
    api = throttled_api
    for _ in range(LIMIT * 2):
        assert api.get("/me", who="team").status_code == 200
        assert api.get("/me", who=None).status_code == 401
    assert api.get("/me", who="team").status_code == 200


def test_dashboard_sign_ins_are_limited_too(throttled_api: Api, caplog: pytest.LogCaptureFixture) -> None:
    client = throttled_api.client
    caplog.set_level(logging.WARNING, logger="feedback_service.security")

    def attempt(token: str) -> int:
        form = client.get("/dashboard/sign-in")
        found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert found
        response = client.post(
            "/dashboard/sign-in", data={"token": token, "csrf_token": found.group(1)}, follow_redirects=False
        )
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
            assert "Quá nhiều lần đăng nhập sai" in response.text
        return response.status_code

    assert [attempt(wrong_token()) for _ in range(LIMIT)] == [401] * LIMIT
    assert attempt(throttled_api.tokens["province"]) == 429
    assert "where=dashboard" in caplog.text


def test_the_429_is_documented_on_every_operation_that_takes_a_token(api: Api) -> None:
    document = api.client.get("/schema/openapi.json").json()
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            probe = path.endswith(("/health", "/ready", "/livez", "/readyz"))
            tokenless = operation.get("security") == [{}]  # e.g. redeeming an enrollment code
            responses = operation["responses"]
            if probe:
                assert "429" not in responses, (method, path)
            elif not tokenless:
                checked += 1
                assert "429" in responses, (method, path)
                assert "application/problem+json" in responses["429"]["content"], (method, path)
                assert "Retry-After" in responses["429"]["description"]
    assert checked > 20


def test_failures_spread_over_addresses_still_block_their_prefix(throttled_api: Api) -> None:
    api = throttled_api
    ctx = api.ctx
    now = dt.datetime.now(dt.UTC)
    for n in range(LIMIT):
        guard = ctx.throttle.guard(f"198.51.100.{n}", wrong_token("abcd"), now)
        api.call(lambda g=guard: ctx.throttle.fail(ctx.db, g, "api", "unknown"))
    same_prefix = ctx.throttle.guard("203.0.113.1", wrong_token("abcd"), now)
    other_prefix = ctx.throttle.guard("203.0.113.1", wrong_token("wxyz"), now)
    assert api.call(lambda: same_prefix.wait(ctx.db)) is not None
    assert api.call(lambda: other_prefix.wait(ctx.db)) is None
