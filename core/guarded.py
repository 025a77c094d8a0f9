"""What a worker will run: JSON job data (never pickle) naming one of our job functions.

RQ stores a job's function, arguments, meta and result with pickle by default, so whoever can
write to Redis runs code on the workers as soon as one unpickles the job. Here every queue,
job and worker uses RQ's ``JSONSerializer``: job data is text and cannot carry code. JSON alone
is not enough, though: RQ imports whatever dotted name a job gives (``os.system`` with JSON
arguments would do), so ``Job`` resolves only functions marked ``@rq_job`` in the ``workers``
package, refuses bound methods, and has no callbacks (RQ would import those by name too).

Production starts workers with ``rq worker --worker-class core.guarded.Worker …``: the class
sets the serializer, the job class and the queue class itself, whatever the command line says.
``rq cron workers/cron.py`` enqueues through ``Queue`` as well (see ``workers.cron``).
"""

from __future__ import annotations

from typing import Callable, TypeVar

import rq
import rq.job
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from rq.utils import import_attribute

from db.base import retry_on_disconnect

SERIALIZER = JSONSerializer
"""Job data, meta and results as JSON (jobs take plain ids, and return strings and numbers)."""

MARK = "__rq_job__"

F = TypeVar("F", bound=Callable)


def rq_job(func: F) -> F:
    """Mark ``func`` as an RQ job: a worker runs only marked functions."""
    setattr(func, MARK, True)
    return func


class NotAJob(Exception):
    """A job named something that is not one of our job functions: refused, never imported."""


class Job(rq.job.Job):
    #: packages whose marked functions may run (a test worker adds its own)
    packages: tuple[str, ...] = ("workers.",)

    def __init__(self, id: str | None = None, connection=None, serializer=None):
        super().__init__(id, connection, SERIALIZER)

    @property
    def func(self):
        name = self.func_name
        if self.instance is not None or not isinstance(name, str) or not name.startswith(self.packages):
            raise NotAJob(repr(name))
        found = import_attribute(name)  # imports a module of our own packages only
        if not getattr(found, MARK, False) or f"{found.__module__}.{found.__qualname__}" != name:
            raise NotAJob(repr(name))
        return found

    def _execute(self):
        """The job, run once more at once if its database connection was dead (PostgreSQL
        restarted since it was pooled; there is no liveness ping): every job is idempotent."""
        return retry_on_disconnect(super()._execute, f"job {self.func_name}")

    # RQ imports callbacks by the name stored in the job's hash; this deployment uses none
    success_callback = property(lambda self: None)
    failure_callback = property(lambda self: None)
    stopped_callback = property(lambda self: None)


class Queue(rq.Queue):
    job_class = Job

    def __init__(self, name: str = "default", connection=None, **kwargs):
        kwargs.update(serializer=SERIALIZER, job_class=self.job_class)
        super().__init__(name, connection=connection, **kwargs)


class Worker(SimpleWorker):
    """RQ's ``SimpleWorker`` (no fork per job) on JSON queues, running only ``@rq_job`` functions."""

    job_class = Job
    queue_class = Queue

    def __init__(self, queues, *args, **kwargs):
        listed = queues if isinstance(queues, (list, tuple)) else [queues]
        if kwargs.get("connection") is None:
            kwargs["connection"] = next((q.connection for q in listed if isinstance(q, rq.Queue)), None)
        names = [q.name if isinstance(q, rq.Queue) else q for q in listed]  # rebuilt as our Queue
        kwargs.update(serializer=SERIALIZER, job_class=self.job_class, queue_class=self.queue_class)
        super().__init__(names, *args, **kwargs)
