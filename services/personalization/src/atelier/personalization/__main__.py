from atelier.kit.cli import main
from atelier.personalization.settings import PersonalizationSettings

main(PersonalizationSettings)
