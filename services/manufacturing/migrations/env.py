from atelier.kit.migrations import run_env
from atelier.manufacturing.models import Base

run_env(Base.metadata)
