"""The desktop app: the server in a thread behind a native pywebview window, one per data folder."""
