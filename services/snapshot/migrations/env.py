from atelier.kit.migrations import run_env
from atelier.snapshot.models import Base

run_env(Base.metadata)
