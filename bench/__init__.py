"""Benchmarks that print figures and ratios against a baseline measured in the same run
(``make bench``). Run each as a module from the project root, ``python -m bench.fanout``,
so ``dev`` (the stand-ins, the stack, a local Airflow) imports as it does for ``make demo``.
"""
