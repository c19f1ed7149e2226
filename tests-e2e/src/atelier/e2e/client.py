"""What a widget does while it waits for a preview: it listens to server-sent events."""

import asyncio
import json
from collections.abc import AsyncIterator

import httpx


async def events(client: httpx.AsyncClient, path: str) -> AsyncIterator[tuple[str, dict]]:
    """The server-sent events of ``path`` as (event, data) until the server ends the stream."""
    async with client.stream("GET", path, headers={"Accept": "text/event-stream"},
                             timeout=httpx.Timeout(10.0, read=60.0)) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        event, data = "message", []
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data.append(line.removeprefix("data:").strip())
            elif not line and data:
                yield event, json.loads("\n".join(data))
                event, data = "message", []


async def ready_preview(
    client: httpx.AsyncClient, snapshot_id: str, within_s: float = 30.0
) -> dict:
    """Wait for the snapshot's preview on its event stream; returns the snapshot once ready."""
    async with asyncio.timeout(within_s):  # the stream ends once the preview settled
        seen = [e async for e in events(client, f"/v1/snapshots/{snapshot_id}/events")]
    assert seen and seen[-1][0] == "ready", seen
    response = await client.get(f"/v1/snapshots/{snapshot_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["preview"]["status"] == "ready", body
    return body
