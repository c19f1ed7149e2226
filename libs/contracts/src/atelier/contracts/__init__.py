"""Wire contracts of Atelier: every message on the bus, its subject and its stream.

Services share nothing but these models (and ``atelier.kit``). A breaking change to a message gets a
new version (and subject), the old one is kept until nobody produces it.
"""

from atelier.contracts.envelope import Envelope, new_id
from atelier.contracts.errors import ErrorCode, ErrorItem, Problem, RpcReply

__all__ = ["Envelope", "ErrorCode", "ErrorItem", "Problem", "RpcReply", "new_id"]
