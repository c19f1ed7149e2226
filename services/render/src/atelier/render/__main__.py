from atelier.kit.cli import main
from atelier.render.settings import RenderSettings

main(RenderSettings)
