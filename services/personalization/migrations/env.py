from atelier.kit.migrations import run_env
from atelier.personalization.models import Base

run_env(Base.metadata)
