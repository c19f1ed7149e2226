from atelier.kit.cli import main
from atelier.ingress.settings import IngressSettings

main(IngressSettings)
