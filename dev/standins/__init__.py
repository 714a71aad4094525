"""Local stand-ins for the external systems: AWS (moto), the Wikipedia API, a web site.

Each is a real HTTP server (``python -m dev.standins.<name> --port N``), so the pipeline's
production code path is the one that talks to them. ``aws_control`` and
``wikipedia_control`` are the clients of the AWS and Wikipedia stand-ins' ``/__control__/``
APIs (latency, faults, counted calls), for the tests and benchmarks that drive them.
The Wikipedia stand-in's server is ``wikipedia_api``; the ``wikipedia_*`` modules beside
it hold its parts, one concern each (its docstring lists them).
"""
