"""Type stubs for the C++ extension p2pgossip._core: one submodule per layer of cpp/src
(keep in step with cpp/bindings)."""

from . import _bench as _bench
from . import crypto as crypto
from . import host as host
from . import kad as kad
from . import mdns as mdns
from . import metrics as metrics
from . import net as net
from . import router as router
from . import runtime as runtime
from . import sim as sim
from . import wire as wire
