from atelier.kit.migrations import run_env
from atelier.spec.models import Base

run_env(Base.metadata)
