import pytest

from atelier.contracts import ErrorCode, ErrorItem
from atelier.contracts.personalization import ValidationResult, ZoneResult
from atelier.gateway import domain
from atelier.gateway.domain import KeyKind


def test_issued_keys_are_prefixed_random_and_hashed() -> None:
    pk, sk = domain.issue_key(KeyKind.PUBLISHABLE), domain.issue_key(KeyKind.SECRET)
    assert pk.plaintext.startswith("pk_") and sk.plaintext.startswith("sk_")
    assert len(pk.plaintext) == len(sk.plaintext) == 3 + 32
    assert pk.prefix == pk.plaintext[:12]
    assert pk.hash == domain.hash_key(pk.plaintext) and len(pk.hash) == 64
    assert domain.issue_key(KeyKind.PUBLISHABLE).plaintext != pk.plaintext


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://Shop.Example", "https://shop.example"),
        ("https://shop.example/", "https://shop.example"),
        ("https://shop.example:443", "https://shop.example"),
        ("http://localhost:3000", "http://localhost:3000"),
    ],
)
def test_origins_are_normalized_to_what_browsers_send(given: str, origin: str) -> None:
    assert domain.normalize_origin(given) == origin


@pytest.mark.parametrize(
    "bad", ["shop.example", "ftp://shop.example", "https://shop.example/path",
            "https://user@shop.example", "https://shop.example?x=1", "null", "*"],
)
def test_non_origins_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        domain.normalize_origin(bad)


def test_request_hash_ignores_json_spelling_but_not_content() -> None:
    route = "POST /v1/snapshots"
    a = domain.request_hash(route, {"product_id": "p", "values": {"a": "x", "b": "y"}})
    b = domain.request_hash(route, {"values": {"b": "y", "a": "x"}, "product_id": "p"})
    c = domain.request_hash(route, {"product_id": "p", "values": {"a": "x"}})
    assert a == b != c


def test_etag_matching_follows_if_none_match_rules() -> None:
    etag = domain.etag_of(b"{}")
    assert domain.etag_matches(etag, etag)
    assert domain.etag_matches(f'"other", W/{etag}', etag)
    assert domain.etag_matches("*", etag)
    assert not domain.etag_matches('"other"', etag)
    assert not domain.etag_matches(None, etag)


def test_design_errors_name_the_zone() -> None:
    error = ErrorItem(field="value", code=ErrorCode.TOO_LONG, message="Too long.", position=5)
    general = ErrorItem(field="x", code=ErrorCode.UNKNOWN_ZONE, message="No such zone.")
    result = ValidationResult(
        valid=False,
        zones=[ZoneResult(zone="name", value="abcdefg", length=7, errors=[error])],
        errors=[general],
    )
    assert [(e.field, e.code, e.position) for e in domain.design_errors(result)] == [
        ("name", ErrorCode.TOO_LONG, 5),
        ("x", ErrorCode.UNKNOWN_ZONE, None),
    ]


def test_only_renders_are_public_and_media_types_come_from_the_extension() -> None:
    assert domain.is_public_asset("renders/abc/preview.png")
    assert not domain.is_public_asset("bundles/abc/order.zip")
    assert domain.media_type_of("renders/abc/preview.PNG") == "image/png"
    assert domain.media_type_of("renders/abc/model.glb") == "model/gltf-binary"
    assert domain.media_type_of("renders/abc/blob") == "application/octet-stream"
