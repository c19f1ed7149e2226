from atelier.kit.migrations import run_env
from atelier.ingress.models import Base

run_env(Base.metadata)
