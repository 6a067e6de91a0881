"""The JSON API (`/api/v1`) and the ASGI app the workbench shares (DESIGN §8)."""
