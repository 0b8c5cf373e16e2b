"""Optional features that run beside the hub service (web dashboard, booking, ...).

A feature module in this package defines `create(app) -> object | None`: it reads its own
config table from `app.config.tables` and returns an object with `start(app)` and `stop()`,
or None when the feature is not configured. Modules are discovered automatically, so adding
a feature touches no shared file.
"""

from __future__ import annotations

import importlib
import pkgutil


def load_features(app) -> list:
    features = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        create = getattr(module, "create", None)
        if create is not None:
            feature = create(app)
            if feature is not None:
                features.append(feature)
    return features
