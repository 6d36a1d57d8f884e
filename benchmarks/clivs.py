"""Shared helpers of the CLI-versus-pandas comparisons (benchmarks/air.py, benchmarks/water.py).

Each side runs in its own subprocess (start-up included) under ``/usr/bin/time``-like accounting: wall time
from this process, peak RSS of the child from ``resource.getrusage(RUSAGE_CHILDREN)`` deltas, which report
the largest child so far — so the sides run in separate grand-children (``_measure``) to get each one's own
peak.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

_MEASURE = r"""
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t0
if done.returncode:
    sys.stderr.write(done.stderr.decode(errors="replace"))
    sys.exit(done.returncode)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "rss": ru.ru_maxrss * 1024, "cpu": ru.ru_utime + ru.ru_stime}))
"""


def measure(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS bytes) of one run of ``cmd`` (its CPU seconds, user + sys, go to ``CPU``)."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr}")
    out = json.loads(done.stdout)
    CPU.setdefault(tuple(cmd), []).append(out["cpu"])
    return out["wall"], out["rss"]


CPU: dict[tuple[str, ...], list[float]] = {}
"""CPU seconds (user + sys of the command's process tree) of every run of each command measured."""


def compare(
    label: str,
    ours: list[str],
    peer: list[str],
    repeat: int,
    names: tuple[str, str] = ("liangshan", "pandas"),
) -> dict[str, float]:
    """Alternate the two commands ``repeat`` times; print medians, min–max spreads, ratio and peak RSS."""
    a, b = names
    runs: dict[str, list[tuple[float, int]]] = {a: [], b: []}
    for _ in range(repeat):
        runs[a].append(measure(ours))
        runs[b].append(measure(peer))
    med = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    print(f"{label}")
    for k, v in runs.items():
        walls = [w for w, _ in v]
        rss = max(r for _, r in v)
        print(
            f"  {k:11s} median {med[k]:6.2f} s  (min–max {min(walls):.2f}–{max(walls):.2f} s, {repeat} runs)"
            f"  peak RSS {rss / 2**20:,.0f} MiB"
        )
    for k, cmd in ((a, ours), (b, peer)):
        cpu = CPU[tuple(cmd)][-repeat:]
        spread = f"min–max {min(cpu):.2f}–{max(cpu):.2f} s"
        print(f"  {k:11s} CPU (user+sys) median {statistics.median(cpu):6.2f} s  ({spread})")
    ratio = med[b] / med[a]
    print(f"  ratio {b} ÷ {a} = {ratio:.2f} (above 1: {a} faster)")
    return {"ratio": ratio, **med}


def liangshan_cmd(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("liangshan")), *args]


def load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])
