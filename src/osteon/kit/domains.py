"""Discovery of domain packages: a domain is a folder under ``osteon/`` with the usual module names."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def domain_modules(name: str) -> list[str]:
    """``osteon.<domain>.<name>`` for every domain package that has such a module, in name order."""
    import osteon

    root = Path(osteon.__path__[0])
    found = []
    for info in sorted(pkgutil.iter_modules(osteon.__path__), key=lambda m: m.name):
        if info.ispkg and (root / info.name / f"{name}.py").exists():
            found.append(f"osteon.{info.name}.{name}")
    return found


def load_all_models() -> None:
    """Import every domain's models so foreign keys between domains resolve (CLI tools, scripts)."""
    import osteon.jobs  # noqa: F401  (the jobs table lives beside the worker)

    for module in domain_modules("models"):
        importlib.import_module(module)


def import_domains() -> None:
    """Import every domain's models, service, router and demo modules (registers hooks and handlers)."""
    load_all_models()
    for name in ("service", "tasks", "router", "demo"):
        for module in domain_modules(name):
            importlib.import_module(module)
