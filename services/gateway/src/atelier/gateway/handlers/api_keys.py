"""A brand's API keys, managed by its admins: listed, issued, revoked."""

from atelier.contracts import ErrorCode, ErrorItem
from atelier.gateway import domain, repository, schemas
from atelier.gateway.auth import Caller, Keys
from atelier.gateway.domain import KeyKind
from atelier.gateway.models import ApiKeyRow
from atelier.kit.errors import Conflict, NotFound
from atelier.kit.runtime import Runtime


def _key_view(row: ApiKeyRow) -> schemas.ApiKey:
    return schemas.ApiKey(id=row.id, kind=KeyKind(row.kind), key_prefix=row.key_prefix,
                          created_at=row.created_at, revoked_at=row.revoked_at)


async def api_keys(runtime: Runtime, caller: Caller) -> schemas.ApiKeys:
    async with runtime.uow() as uow:
        rows = await repository.keys_of(uow.session, caller.brand_id)
        return schemas.ApiKeys(keys=[_key_view(row) for row in rows])


async def create_api_key(
    runtime: Runtime, caller: Caller, new: schemas.NewKey
) -> schemas.IssuedKey:
    issued = domain.issue_key(new.kind)
    async with runtime.uow() as uow:
        view = _key_view(await repository.add_key(uow.session, caller.brand_id, issued))
        await uow.commit()
    return schemas.IssuedKey(**dict(view), key=issued.plaintext)


async def revoke_api_key(
    runtime: Runtime, caller: Caller, keys: Keys, key_id: str
) -> schemas.ApiKey:
    """Revoke a key for good (again: nothing changes). The brand's last secret key stays: without
    one, nobody but its token users could manage the brand any more."""
    async with runtime.uow() as uow:
        row = await repository.key_for_update(uow.session, caller.brand_id, key_id)
        if row is None:
            raise NotFound.of("API key", "key_id")
        if row.revoked_at is not None:
            return _key_view(row)
        if row.kind == KeyKind.SECRET and \
                await repository.active_secret_keys(uow.session, caller.brand_id) == 1:
            message = "This is the brand's last secret key: create another one first."
            raise Conflict(message, [ErrorItem(field="key_id", code=ErrorCode.CONFLICT,
                                               message=message)])
        view, key_hash = _key_view(await repository.revoke_key(uow.session, row)), row.key_hash
        await uow.commit()
    keys.forget(key_hash)
    return view
