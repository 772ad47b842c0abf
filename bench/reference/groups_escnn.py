#!/usr/bin/env python3
"""Time escnn building finite groups with all their irreps (reference side of bench/groups.bench.ts).

Usage:
    python groups_escnn.py [--timeout S] GROUP [GROUP ...]

GROUP names: O (= S4, chiral octahedral, order 24), I (= A5, icosahedral, order 60),
Dn (dihedral, order 2n), Cn (cyclic, order n), CaxCb (direct product of two cyclic groups).

Each group is measured once, in its own fresh Python subprocess whose escnn disk
cache (joblib) points at a new empty temporary directory, so nothing computed by an
earlier run is reused. One JSON object per group is printed on stdout, e.g.

    {"group": "O", "seconds": 1.6, "irreps": [1, 3, 3, 2, 1], "order": 24, ...}

"seconds" covers: constructing the escnn group (which builds its irreps), listing
irreps(), evaluating every irrep at every element and building the regular
representation and its matrices -- the work the paper's code needs from escnn for a
group. Importing escnn/torch is reported apart, as "import_seconds".
On failure the object has "error" instead of "seconds".
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ALIASES = {"S4": "O", "OCTA": "O", "OCTAHEDRAL": "O", "A5": "I", "ICO": "I", "ICOSAHEDRAL": "I"}


def parse(name: str):
    """Map a group name to (kind, args); raise ValueError if unknown."""
    key = ALIASES.get(name.upper(), name.upper())
    if key in ("O", "I"):
        return key, ()
    m = re.fullmatch(r"([CD])(\d+)", key)
    if m:
        return m.group(1), (int(m.group(2)),)
    m = re.fullmatch(r"C(\d+)XC(\d+)", key)
    if m:
        return "CxC", (int(m.group(1)), int(m.group(2)))
    raise ValueError(f"unknown group name {name!r}")


def child(name: str, cache_dir: str) -> dict:
    """Runs inside the fresh subprocess: import escnn with a private cache, then time one group."""
    import joblib

    real_memory = joblib.Memory

    class FreshMemory(real_memory):  # escnn does `from joblib import Memory` at import time
        def __init__(self, location=None, *args, **kwargs):
            kwargs["verbose"] = 0
            super().__init__(cache_dir, *args, **kwargs)

    joblib.Memory = FreshMemory

    t0 = time.perf_counter()
    import numpy as np
    import escnn
    import escnn.group as eg

    import_seconds = time.perf_counter() - t0

    kind, args = parse(name)
    t1 = time.perf_counter()
    if kind == "O":
        group = eg.Octahedral()
    elif kind == "I":
        group = eg.Icosahedral()
    elif kind == "D":
        group = eg.DihedralGroup(*args)
    elif kind == "C":
        group = eg.CyclicGroup(*args)
    else:
        group = eg.direct_product(eg.CyclicGroup(args[0]), eg.CyclicGroup(args[1]))
    irreps = group.irreps()
    t2 = time.perf_counter()

    elements = list(group.elements)
    matrices = [np.array([irrep(g) for g in elements]) for irrep in irreps]
    regular = group.regular_representation
    regular_matrices = np.array([regular(g) for g in elements])
    t3 = time.perf_counter()

    dims = [int(irrep.size) for irrep in irreps]
    # Real irreps of complex (quaternionic) type count 2 (4) complex dimensions squared.
    total = sum(d * d // irrep.sum_of_squares_constituents for d, irrep in zip(dims, irreps))
    assert total == group.order() == len(elements), "irreps incomplete"
    assert regular_matrices.shape == (len(elements),) * 3
    assert all(m.shape[0] == len(elements) for m in matrices)

    return {
        "group": name,
        "seconds": round(t3 - t1, 4),
        "irreps": dims,
        "order": int(group.order()),
        "construct_seconds": round(t2 - t1, 4),
        "matrices_seconds": round(t3 - t2, 4),
        "import_seconds": round(import_seconds, 4),
        "escnn_version": escnn.__version__,
        "escnn_name": group.name,
    }


def run_one(name: str, timeout: float) -> dict:
    try:
        parse(name)
    except ValueError as exc:
        return {"group": name, "error": str(exc)}
    cache_dir = tempfile.mkdtemp(prefix="sgc-escnn-cache-")
    try:
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--child", name, cache_dir],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"group": name, "error": f"timed out after {timeout} s"}
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if lines:
        return json.loads(lines[-1])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"group": name, "error": f"exit {proc.returncode}: " + " | ".join(tail)}


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "--child":
        # Keep stdout for the one JSON line: anything escnn/joblib print goes to stderr.
        out = os.fdopen(os.dup(1), "w")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        try:
            result = child(argv[1], argv[2])
        except Exception as exc:  # reported by the parent
            result = {"group": argv[1], "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(result) + "\n")
        out.flush()
        return 0 if "error" not in result else 1

    timeout = 600.0
    if len(argv) >= 2 and argv[0] == "--timeout":
        timeout = float(argv[1])
        argv = argv[2:]
    names = argv or ["O", "I", "D3", "D5", "C10", "C5xC5"]
    status = 0
    for name in names:
        result = run_one(name, timeout)
        print(json.dumps(result), flush=True)
        if "error" in result:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
