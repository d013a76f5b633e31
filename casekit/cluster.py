"""The one place casekit joins or starts a Ray cluster (`casekit index --engine ray`,
`casekit batch --engine ray`).

Without an address casekit starts a private local instance: loopback only, no dashboard,
as many CPUs as this process may use. Actors ask for ACTOR_CPUS (half a CPU), so the driver
and Ray's own tasks always find a core on a small machine (seen on 2 CPUs: two 1-CPU
actors held both CPUs and a job hung).
"""
from __future__ import annotations

import contextlib
import logging
import os
from typing import Any, Iterator

from .errors import CaseKitError

ACTOR_CPUS = 0.5
ACTOR_THREADS = 1  # an actor holds half a CPU: one thread for torch, numpy and llama.cpp


@contextlib.contextmanager
def ray_session(address: str | None, cpus: int) -> Iterator[Any]:
    """The `ray` module, connected to `address` or to a private local instance of `cpus`
    CPUs that is shut down on exit (a session that was already connected is kept)."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise CaseKitError("the Ray engine needs Ray: pip install 'casekit[ray]'") from None
    started = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        else:
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a private, loopback-only instance
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                     _node_ip_address="127.0.0.1")
        started = True
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False
        yield ray
    finally:
        if started:
            ray.shutdown()


def cluster_cpus(ray: Any) -> int:
    return int(ray.cluster_resources().get("CPU", 1))
