from atelier.gateway.settings import GatewaySettings
from atelier.kit.cli import main

main(GatewaySettings)
