from litestar import Litestar

from atelier.kit.http import service_app
from atelier.snapshot.bootstrap import bootstrap
from atelier.snapshot.settings import SnapshotSettings


def create_app(settings: SnapshotSettings | None = None) -> Litestar:
    return service_app(bootstrap(settings or SnapshotSettings()))
