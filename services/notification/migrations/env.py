from atelier.kit.migrations import run_env
from atelier.notification.models import Base

run_env(Base.metadata)
