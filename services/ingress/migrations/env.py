from atelier.ingress.models import Base
from atelier.kit.migrations import run_env

run_env(Base.metadata)
