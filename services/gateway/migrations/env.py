from atelier.gateway.models import Base
from atelier.kit.migrations import run_env

run_env(Base.metadata)
