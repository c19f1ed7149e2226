from atelier.kit.cli import main
from atelier.gateway.settings import GatewaySettings

main(GatewaySettings)
