from atelier.kit.migrations import run_env
from atelier.render.models import Base

run_env(Base.metadata)
