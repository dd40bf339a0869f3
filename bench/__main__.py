"""Run every benchmark in bench/ and print one table. Prints verdicts; always exits 0."""

import importlib
import pkgutil
import sys
from pathlib import Path

import bench

# Each benchmark module offers run() -> list of (measure, value, target, verdict) rows.


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    rows = []
    for module_info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{module_info.name}")
        if not hasattr(module, "run"):
            continue
        try:
            rows += [(module_info.name, *row) for row in module.run()]
        except Exception as error:  # a broken benchmark must not hide the others
            rows.append((module_info.name, "error", str(error), "", "FAIL"))
    header = ("benchmark", "measure", "value", "target", "verdict")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
