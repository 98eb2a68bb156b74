"""`make bench`: run each benchmark in its own process per backend, print figures and ratios, and
merge them into bench/results.json. `python -m bench core projections` runs only those suites."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.support import merge_results

SUITES: dict[str, tuple[str, ...]] = {
    "bench.core": ("sqlite", "postgres"),
    "bench.projections": ("sqlite", "postgres"),
    "bench.http": ("postgres",),
    "bench.pages": ("postgres",),
    "bench.analytics": ("sqlite", "postgres"),
}


def main() -> None:
    chosen = [f"bench.{name}" for name in sys.argv[1:]] or list(SUITES)
    figures: dict[str, float] = {}
    for suite in chosen:
        for backend in SUITES[suite]:
            print(f"running {suite} on {backend}...", flush=True)
            out = subprocess.run(
                [sys.executable, "-m", suite, backend], check=True, capture_output=True, text=True
            ).stdout
            figures.update(json.loads(out.strip().splitlines()[-1]))
    health = figures.get("postgres.health_p95_ms")
    if health and "postgres.analytics_query_p95_ms" in figures:
        figures["analytics_query_p95_vs_health_ratio"] = (
            figures["postgres.analytics_query_p95_ms"] / health
        )
    merge_results(figures)
    width = max(len(k) for k in figures)
    for key, value in sorted(figures.items()):
        print(f"{key:<{width}}  {value:>12.4f}")


if __name__ == "__main__":
    main()
