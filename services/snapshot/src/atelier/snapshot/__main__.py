from atelier.kit.cli import main
from atelier.snapshot.settings import SnapshotSettings

main(SnapshotSettings)
