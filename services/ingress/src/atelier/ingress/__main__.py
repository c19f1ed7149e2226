from atelier.ingress.settings import IngressSettings
from atelier.kit.cli import main

main(IngressSettings)
