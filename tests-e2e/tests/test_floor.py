"""The benchmark's floor: a bare route whose answer is one NATS request to an echo process."""

import json
from pathlib import Path

import nats
from nats.aio.msg import Msg

from atelier.e2e.floor import PATH, running_floor
from atelier.e2e.loadgen import LoadClient
from atelier.kit.testing.plugin import eventually, unique


async def test_the_floor_answers_with_what_the_echo_responder_sent_back(
    nats_url: str, tmp_path: Path,
) -> None:
    subject = unique("floor.")
    seen: list[bytes] = []
    observer = await nats.connect(nats_url)

    async def observe(msg: Msg) -> None:  # sees the request, never answers it
        seen.append(msg.data)

    await observer.subscribe(subject, cb=observe)
    try:
        async with (running_floor(nats_url, subject, tmp_path) as url,
                    LoadClient.open(url, 1, {}) as client):
            body = {"product_id": "p", "values": {"name": "Ada 1"}}
            assert await client.post(PATH, body) == (200, body)
            await eventually(lambda: json.dumps(body).encode() in seen)
    finally:
        await observer.close()
