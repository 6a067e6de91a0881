"""The web workbench (DESIGN §8): NiceGUI pages on the API's app, 简体中文. Pages call services,
never the JSON API; every asset is served by the app itself."""
