"""Read by gunicorn from the working directory (production, the benchmarks, the fault tests)."""

import gc


def post_worker_init(worker):
    """Once the app is loaded, freeze what lives as long as the worker (the segmenter's
    dictionary, the models, the routes: ~350,000 objects) out of the garbage collector's full
    passes, which took ~110 ms each over them: a pause for whoever's message was being answered."""
    gc.freeze()
