from atelier.kit.cli import main
from atelier.manufacturing.settings import ManufacturingSettings

main(ManufacturingSettings)
