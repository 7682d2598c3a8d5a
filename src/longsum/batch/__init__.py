"""``longsum batch``: many transcripts summarized into one folder, resumably.

:func:`batch` is the Python API (``longsum.batch(paths, out_dir, format="json")``);
:mod:`~longsum.batch.inputs` expands the inputs, :mod:`~longsum.batch.manifest` keeps
``OUT_DIR/batch.jsonl``, :mod:`~longsum.batch.engine` runs the transcripts (a local process
pool now; Ray next).

The package is callable as :func:`batch` itself: importing ``longsum.batch`` makes the
package an attribute of ``longsum`` named ``batch``, hiding a function of that name, so
``longsum.batch(...)`` would otherwise fail once anything imported the package.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from longsum.batch.engine import Engine, Job, LocalPool, default_workers
from longsum.batch.inputs import expand_inputs
from longsum.batch.manifest import read_manifest
from longsum.batch.run import batch, result_key

__all__ = [
    "Engine",
    "Job",
    "LocalPool",
    "batch",
    "default_workers",
    "expand_inputs",
    "read_manifest",
    "result_key",
]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return batch(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
