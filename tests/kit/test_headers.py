"""kit.headers: the security headers (SECURITY 18) on API, DICOMweb, SPA and docs responses, and on errors."""

from __future__ import annotations


async def test_api_responses_are_not_cached_and_not_framed(client) -> None:
    r = await client.get("/api/v1/meta")
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-frame-options"] == "DENY"


async def test_errors_carry_the_headers_too(client) -> None:
    r = await client.get("/api/v1/patients")  # no login: 401 problem+json
    assert r.status_code == 401
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"


async def test_dicomweb_is_not_cached(client) -> None:
    r = await client.get("/dicomweb/studies")
    assert r.status_code == 401 and r.headers["cache-control"] == "no-store"


async def test_health_is_not_marked_no_store_but_keeps_nosniff(client) -> None:
    r = await client.get("/healthz")
    assert "cache-control" not in r.headers and r.headers["x-content-type-options"] == "nosniff"


async def test_the_api_docs_may_be_framed(client) -> None:
    r = await client.get("/api/docs")
    assert r.status_code == 200 and "x-frame-options" not in r.headers
    assert r.headers["cache-control"] == "no-store"
