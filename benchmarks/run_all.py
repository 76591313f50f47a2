"""Run every benchmark in turn (`make benchmarks`): each builds its own scratch database, prints its
figures against its targets and exits non-zero when it misses one. This exits non-zero if any did.

    python benchmarks/run_all.py              # all of them
    python benchmarks/run_all.py kpis invoice_run   # some of them
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["kpis", "invoice_run", "import_visits", "packages_of_care"]


def main(names: list[str]) -> int:
    failed = []
    for name in names or BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / f"{name}.py")])  # noqa: S603
        print(
            f"=== {name}: {'targets met' if code == 0 else f'exit {code}'} in {time.perf_counter() - started:.0f} s"
        )
        if code != 0:
            failed.append(name)
    print(
        f"\n{len(names or BENCHMARKS) - len(failed)} met their targets"
        + (f"; missed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
