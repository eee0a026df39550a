"""Keeping Python's cyclic garbage collector off the bot's long-lived data.

The knowledge base's index, the morphology dictionaries and the loaded libraries are hundreds of
thousands of objects that live as long as the process. Every full collection walked all of them —
about 0.3 s with the demo base, stopping every conversation in the process for that long. Once
start-up is over they are moved out of the collector's sight (``gc.freeze``); objects made later,
and anything of the frozen ones that is released, are still freed as usual.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def settle_heap() -> None:
    """Collect what start-up (or a reload) left behind, then exempt what is alive from later collections."""
    gc.collect()
    gc.freeze()
    log.debug("%d objects exempted from garbage collection", gc.get_freeze_count())
