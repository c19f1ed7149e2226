"""What a widget does while it waits for a preview."""

import asyncio

import httpx


async def ready_preview(
    client: httpx.AsyncClient, snapshot_id: str, within_s: float = 30.0
) -> dict:
    """Poll the snapshot until its preview is ready; returns the snapshot."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        response = await client.get(f"/v1/snapshots/{snapshot_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        status = body["preview"]["status"]
        if status == "ready":
            return body
        assert status == "pending", body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"preview of {snapshot_id} not ready after {within_s}s: {body}")
        await asyncio.sleep(0.02)
