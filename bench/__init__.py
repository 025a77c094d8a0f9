"""Benchmarks (``make bench``): real servers on loopback, driven with signed WeChat deliveries.

- ``bench.webhook``: the real ``/wechat`` app against a bare wechatpy echo (``bench.echo_app``).
- ``bench.harness``: PostgreSQL/Redis reset, gunicorn start/stop, free ports.
- ``bench.load``: pre-generated deliveries and the load generators (wrk, or Python processes).
"""
