"""Import one DAG file the way a DAG processor would, with the network cut off.

Run as ``python dev/parse_probe.py DAG_FILE`` in a fresh interpreter (the DAG integrity
tests and ``bench.parse_time`` do); prints JSON with the modules the file pulled in beyond
what Airflow itself loads, the connection lookups and socket connections it attempted, the
warnings it raised and the time the import took.

The baseline includes creating one Asset: on the first Asset, Airflow's providers
manager imports every provider's asset URI handlers, and the amazon provider's S3
handler imports boto3. A DAG processor pays that once per process, not per parse.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
import time
import warnings

from airflow.sdk import Asset, BaseHook

attempts: dict[str, list[str]] = {"sockets": [], "connections": []}


def refuse_connect(self, address, *args, **kwargs):
    attempts["sockets"].append(repr(address))
    raise OSError("network access at DAG parse time")


def record_lookup(cls, conn_id, *args, **kwargs):
    attempts["connections"].append(conn_id)
    raise RuntimeError("connection lookup at DAG parse time")


socket.socket.connect = refuse_connect
socket.socket.connect_ex = refuse_connect
BaseHook.get_connection = classmethod(record_lookup)

path = sys.argv[1]
Asset(name="parse_probe_baseline", uri="s3://parse-probe/baseline")
baseline = set(sys.modules)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location("probed_dag", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    elapsed = time.perf_counter() - started

print(
    json.dumps(
        {
            "new_modules": sorted(set(sys.modules) - baseline),
            "sockets": attempts["sockets"],
            "connections": attempts["connections"],
            "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
            "seconds": elapsed,
        }
    )
)
