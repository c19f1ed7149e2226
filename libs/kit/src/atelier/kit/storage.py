"""Object storage behind one small interface: a local directory (the embedded default) or any
S3-compatible service through the ``minio`` SDK (MinIO, S3, R2, GCS)."""

import asyncio
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from minio import Minio
from minio.error import S3Error

from atelier.kit.settings import ServiceSettings


class ObjectNotFound(KeyError):
    pass


@dataclass(frozen=True, order=True)
class StoredObject:
    key: str
    modified: datetime  # when it was last written (UTC)


class ObjectStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
    async def get(self, key: str) -> bytes: ...
    async def exists(self, key: str) -> bool: ...
    async def signed_url(self, key: str, expires: timedelta) -> str | None:
        """A short-lived URL for private objects, or None where the backend has none."""
        ...

    async def list_objects(self, prefix: str) -> list[StoredObject]:
        """Every object whose key starts with ``prefix`` ("" for all), in key order."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a key with no object is not an error (deleting is idempotent)."""
        ...


def check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid object key {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A prefix is a key, or the start of one: ``""``, ``fonts/``, ``renders/ab``."""
    if prefix:
        check_key(prefix.removesuffix("/") or "/")
    return prefix


class LocalStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:  # write then rename: readers never see half a file
            f.write(data)
        os.replace(tmp, path)

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    async def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    async def signed_url(self, key: str, expires: timedelta) -> str | None:
        return None

    async def list_objects(self, prefix: str) -> list[StoredObject]:
        return await asyncio.to_thread(self._list, check_prefix(prefix))

    def _list(self, prefix: str) -> list[StoredObject]:
        found = []
        for directory, _, files in os.walk(self.root):
            for name in files:
                if name.startswith(".tmp-"):
                    continue  # a write in flight (or one a crash cut short): not an object
                path = Path(directory, name)
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                    found.append(StoredObject(key, modified))
        return sorted(found)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


class S3Store:
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = True,
        region: str = "us-east-1",
    ) -> None:
        self.client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region
        )
        self.bucket = bucket
        self._bucket_checked = False

    async def _ensure_bucket(self) -> None:
        if not self._bucket_checked:
            if not await asyncio.to_thread(self.client.bucket_exists, self.bucket):
                await asyncio.to_thread(self.client.make_bucket, self.bucket)
            self._bucket_checked = True

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._ensure_bucket()
        await asyncio.to_thread(
            self.client.put_object,
            self.bucket,
            check_key(key),
            io.BytesIO(data),
            len(data),
            content_type=content_type,
        )

    async def get(self, key: str) -> bytes:
        def read() -> bytes:
            response = self.client.get_object(self.bucket, check_key(key))
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        try:
            return await asyncio.to_thread(read)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket"):
                raise ObjectNotFound(key) from exc
            raise

    async def exists(self, key: str) -> bool:
        try:
            await asyncio.to_thread(self.client.stat_object, self.bucket, check_key(key))
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchBucket", "NotFound"):
                return False
            raise

    async def signed_url(self, key: str, expires: timedelta) -> str | None:
        return await asyncio.to_thread(
            self.client.presigned_get_object, self.bucket, check_key(key), expires
        )

    async def list_objects(self, prefix: str) -> list[StoredObject]:
        def read() -> list[StoredObject]:
            listing = self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
            return sorted(StoredObject(o.object_name, o.last_modified) for o in listing
                          if o.object_name is not None and o.last_modified is not None)

        check_prefix(prefix)
        try:
            return await asyncio.to_thread(read)
        except S3Error as exc:
            if exc.code == "NoSuchBucket":  # nothing was ever stored
                return []
            raise

    async def delete(self, key: str) -> None:
        try:
            await asyncio.to_thread(self.client.remove_object, self.bucket, check_key(key))
        except S3Error as exc:
            if exc.code not in ("NoSuchKey", "NoSuchBucket"):
                raise


def store_from_settings(settings: ServiceSettings) -> ObjectStore:
    if settings.storage_backend == "s3":
        return S3Store(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
    if settings.storage_backend == "local":
        return LocalStore(settings.storage_dir)
    raise ValueError(f"unknown storage backend {settings.storage_backend!r} (local or s3)")
