from atelier.commerce.settings import CommerceSettings
from atelier.kit.cli import main

main(CommerceSettings)
