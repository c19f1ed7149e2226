"""The curl commands ``make run`` prints are pasted as they are: they must say exactly what the
gateway's API expects."""

import json
import shlex

from atelier.contracts.personalization import CreateProduct, ValidateDesign
from atelier.devstack.demo import PRODUCT, Demo, instructions

DEMO = Demo(brand_id="b-1", publishable_key="pk_test_1", secret_key="sk_test_1",
            product_id="p-1")


def commands() -> list[list[str]]:
    text = instructions("http://127.0.0.1:8000", DEMO)
    return [shlex.split(line) for line in text.splitlines() if line.strip().startswith("curl")]


def headers(argv: list[str]) -> dict[str, str]:
    pairs = [argv[i + 1].split(": ", 1) for i, arg in enumerate(argv) if arg == "-H"]
    return dict(pairs)


def test_the_demo_product_is_a_valid_create_product() -> None:
    product = CreateProduct.model_validate(PRODUCT)
    zone = product.zones[0]
    assert (zone.key, zone.font, zone.colour, zone.max_length) == ("name", "dejavu-sans",
                                                                   "#1F2937", 20)


def test_validate_snapshot_get_and_download_commands() -> None:
    validate, create, get, download = commands()
    assert validate[:5] == ["curl", "-s", "-X", "POST",
                            "http://127.0.0.1:8000/v1/personalization/validate"]
    assert create[4] == "http://127.0.0.1:8000/v1/snapshots"
    for command in (validate, create):
        body = ValidateDesign.model_validate(json.loads(command[command.index("-d") + 1]))
        assert body == ValidateDesign(product_id="p-1", values={"name": "Ada Lovelace"})
        assert headers(command)["X-Atelier-Key"] == "pk_test_1"
        assert headers(command)["Content-Type"] == "application/json"
    assert headers(create)["Idempotency-Key"]
    assert "Idempotency-Key" not in headers(validate)
    assert get[:3] == ["curl", "-s", "http://127.0.0.1:8000/v1/snapshots/SNAPSHOT_ID"]
    assert headers(get)["X-Atelier-Key"] == "pk_test_1"
    assert download == ["curl", "-o", "preview.png", "http://127.0.0.1:8000PREVIEW_URL"]


def test_the_secret_key_is_shown() -> None:
    assert "sk_test_1" in instructions("http://127.0.0.1:8000", DEMO)
