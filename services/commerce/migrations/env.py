from atelier.kit.migrations import run_env
from atelier.commerce.models import Base

run_env(Base.metadata)
