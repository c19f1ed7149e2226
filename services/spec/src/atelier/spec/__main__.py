from atelier.kit.cli import main
from atelier.spec.settings import SpecSettings

main(SpecSettings)
