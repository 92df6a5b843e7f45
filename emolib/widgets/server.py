"""Faster kernel websockets for live widgets: Jupyter Server's kernel connection with TCP_NODELAY set.

Jupyter Server leaves Nagle's algorithm on for kernel websockets, so a small message that follows another
one can wait for the browser's delayed ACK (up to ~40 ms). A live widget answering every camera frame
feels that: the webcam widget's round trip drops when the server sends each message at once. Start
JupyterLab or Notebook 7 with::

    jupyter lab --ServerApp.kernel_websocket_connection_class=emolib.widgets.server.NoDelayWebsocketConnection

(or set ``c.ServerApp.kernel_websocket_connection_class`` in ``jupyter_server_config.py``: emolib's
``docs/jupyter_server_config.py``; ``docs/jupyterhub.md`` says where it goes on JupyterHub and TLJH). The
server logs "emolib: kernel websocket with TCP_NODELAY" for each connection. Optional: the widgets work
without it (the webcam widget says once when its timings show the delay).
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class NoDelayWebsocketConnection(ZMQChannelsWebsocketConnection):
    """Jupyter Server's ZMQ <-> websocket kernel connection, sending small messages without delay."""

    async def connect(self) -> Any:  # type: ignore[override]  # the base's stub says Future, it is a coroutine
        """Turn Nagle's algorithm off on this websocket, then connect as usual."""
        self.websocket_handler.set_nodelay(True)
        self.log.info("emolib: kernel websocket with TCP_NODELAY (kernel %s)", self.kernel_id)
        return await super().connect()  # type: ignore[misc]
