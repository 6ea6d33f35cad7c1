"""The garbage collector set for a long batch (a spreadsheet import) while it runs.

Python's cycle collector runs after every 700 new container objects (gen0), and now and then
walks every object it tracks: in a Django process that is the whole application (models, URL
patterns, templates, translation catalogues), hundreds of thousands of objects that live as
long as the process. A batch that makes a dozen objects per row, most of them alive until the
end of its chunk, sets off those runs over and over: they came to about an eighth of an
import's commit (docs/performance.md, "Spreadsheet import"). For the length of the block,
`batch_gc` collects once, moves every object alive at that moment to the collector's permanent
generation (gc.freeze), so that later runs do not walk them, and runs the youngest generation
after 50,000 new objects instead of 700. The chunks' objects are freed by their reference
counts, as before; only cycles wait a little longer. At the end of the last such block still
running, the objects are given back (gc.unfreeze) and the thresholds put back.

The setting is the whole process's: a batch run in a thread of the embedded server sets it for
the requests served meanwhile too, which only delays the collection of their cycles."""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_GEN0 = 50_000

_lock = threading.Lock()
_running = 0  # blocks running now, in any thread: the first sets, the last puts back
_thresholds: tuple[int, ...] = ()


@contextmanager
def batch_gc() -> Iterator[None]:
    global _running, _thresholds
    with _lock:
        if _running == 0:
            gc.collect()
            gc.freeze()
            _thresholds = gc.get_threshold()
            gc.set_threshold(max(BATCH_GEN0, _thresholds[0]), *_thresholds[1:])
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0:
                gc.unfreeze()
                gc.set_threshold(*_thresholds)
