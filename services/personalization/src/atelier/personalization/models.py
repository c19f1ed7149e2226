from atelier.kit.db import model_base
from atelier.kit.outbox import add_outbox_and_inbox

Base = model_base("personalization")

outbox, inbox = add_outbox_and_inbox(Base.metadata)
