"""The live view: a web page that draws the network as a node (or a cluster) sees it.

``NetworkView`` (no dependencies) models what is drawn; ``serve`` runs a Starlette app
on uvicorn in the caller's event loop. Those two are the optional extra ``web``
(``pip install 'p2pgossip[web]'``), imported only when a view is served. The page and
its graph library (vis-network) are files in ``static/``: nothing is fetched at run time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .server import MISSING_MESSAGE, WebServer, serve
from .view import NetworkView

__all__ = ["MISSING_MESSAGE", "NetworkView", "WebServer", "schema", "serve"]


def schema() -> dict[str, Any]:
    """The JSON Schema of the stream's messages (``schema.json``, shipped beside this)."""
    loaded: dict[str, Any] = json.loads(Path(__file__).with_name("schema.json").read_text())
    return loaded
