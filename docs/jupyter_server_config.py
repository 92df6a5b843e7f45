# jupyter_server_config.py: emolib's webcam widget at the camera's frame rate on a shared Jupyter server.
#
# Jupyter Server leaves Nagle's algorithm on for kernel websockets, so a small reply that follows another
# can wait for the browser's delayed ACK (~40 ms). This one line sends each message at once.
# Where it goes: see docs/jupyterhub.md (JupyterHub, The Littlest JupyterHub, a plain `jupyter lab`).
c.ServerApp.kernel_websocket_connection_class = "emolib.widgets.server.NoDelayWebsocketConnection"  # noqa: F821
