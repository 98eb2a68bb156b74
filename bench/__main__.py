"""`make bench`: run each benchmark in its own process per backend, print figures and ratios, and
merge them into bench/results.json."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.support import merge_results

SUITES = ("bench.core", "bench.projections")
BACKENDS = ("sqlite", "postgres")


def main() -> None:
    figures: dict[str, float] = {}
    for suite in SUITES:
        for backend in BACKENDS:
            print(f"running {suite} on {backend}...", flush=True)
            out = subprocess.run(
                [sys.executable, "-m", suite, backend], check=True, capture_output=True, text=True
            ).stdout
            figures.update(json.loads(out.strip().splitlines()[-1]))
    merge_results(figures)
    width = max(len(k) for k in figures)
    for key, value in sorted(figures.items()):
        print(f"{key:<{width}}  {value:>12.4f}")


if __name__ == "__main__":
    main()
