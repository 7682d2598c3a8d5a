"""longsum_eval: ``longsum eval``, scoring summaries of a dataset of transcripts against
human references, beside longsum rather than inside it.

It runs longsum only through :func:`longsum.api.run_summary` (and the offline engine the
same way), next to two baselines (:mod:`longsum_eval.baselines`) with the same model, and
scores every output (:mod:`longsum_eval.report`). What only it needs (matplotlib,
rouge-score) is the ``eval`` extra: ``pip install -e ".[eval]"``. Importing this package
loads neither; scoring and the chart do.

The names below are the stable entry points; the modules may change between releases.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names below, typed for type checkers (loaded by __getattr__)
    from longsum_eval.dataset import EvalItem, load_dataset
    from longsum_eval.runner import SystemOutput, plan_systems, run_system
    from longsum_eval.settings import EvalSettings, load_eval_settings

__all__ = [
    "EvalItem",
    "EvalSettings",
    "SystemOutput",
    "load_dataset",
    "load_eval_settings",
    "plan_systems",
    "run_system",
]

_HOMES = {
    "EvalItem": "dataset",
    "load_dataset": "dataset",
    "SystemOutput": "runner",
    "plan_systems": "runner",
    "run_system": "runner",
    "EvalSettings": "settings",
    "load_eval_settings": "settings",
}


def __getattr__(name: str) -> object:
    # Loaded on first use: `longsum` loads this package's command at every start (the
    # longsum.commands entry point), which must not pay for the dataset and runner modules.
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"longsum_eval.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'longsum_eval' has no attribute {name!r}")
