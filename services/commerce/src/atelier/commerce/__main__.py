from atelier.kit.cli import main
from atelier.commerce.settings import CommerceSettings

main(CommerceSettings)
