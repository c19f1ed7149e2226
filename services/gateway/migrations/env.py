from atelier.kit.migrations import run_env
from atelier.gateway.models import Base

run_env(Base.metadata)
