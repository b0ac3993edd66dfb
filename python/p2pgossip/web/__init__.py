"""The live view: a web page that draws the network as a node (or a cluster) sees it.

``NetworkView`` (no dependencies) models what is drawn; ``serve`` runs a Starlette app
on uvicorn in the caller's event loop. Those two are the optional extra ``web``
(``pip install 'p2pgossip[web]'``), imported only when a view is served. The page and
its graph library (vis-network) are files in ``static/``: nothing is fetched at run time.
"""

from __future__ import annotations

from .server import MISSING_MESSAGE, WebServer, serve
from .view import NetworkView

__all__ = ["MISSING_MESSAGE", "NetworkView", "WebServer", "serve"]
