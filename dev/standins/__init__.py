"""Local stand-ins for the external systems: AWS (moto), the Wikipedia API, a web site.

Each is a real HTTP server (``python -m dev.standins.<name> --port N``), so the pipeline's
production code path is the one that talks to them.
"""
