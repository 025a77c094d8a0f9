"""Benchmarks (``make bench``): each module prints ``metric: value unit`` lines.

Shared pieces: ``stack.harness`` (PostgreSQL/Redis reset, gunicorn start/stop, free
ports, CPU accounting) and ``bench.load`` (signed WeChat deliveries and the load
generators). ``bench.webhook`` drives the real ``/wechat`` against ``bench.echo_app``.
"""
