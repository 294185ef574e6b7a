"""The printable Shelly EM enclosure in housing-stl/ (issue 9).

The STLs are regenerated from the OpenSCAD source with housing-stl/build.sh and checked:
- every part is a closed, manifold solid according to admesh;
- the committed STLs are exactly what the source produces;
- the device cavity is at least the Shelly EM body plus clearance, nothing of either half intrudes into
  it, and it is walled in on every side by at least 2 mm of material.

Needs the Debian packages `openscad` and `admesh`; the mesh tests skip when they are missing.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOUSING = ROOT / "housing-stl"
SCAD = HOUSING / "shelly_em_housing.scad"
BUILD = HOUSING / "build.sh"
README = HOUSING / "README.md"

VARIANTS = (1, 2)
PARTS = ("bottom", "top", "din")
STL_NAMES = [f"shelly-em-x{n}-{p}.stl" for n in VARIANTS for p in PARTS]

NOMINAL_DEVICE = (39.0, 36.0, 17.0)  # Shelly EM body, mm (issue 9)
MIN_WALL = 2.0

_MISSING = [tool for tool in ("openscad", "admesh") if shutil.which(tool) is None]
needs_tools = pytest.mark.skipif(
    bool(_MISSING),
    reason=f"{' and '.join(_MISSING)} not installed (Debian packages openscad, admesh)",
)

Vec = tuple[float, float, float]
Tri = tuple[Vec, Vec, Vec]


# ----------------------------------------------------------------------------- helpers


def scad_param(name: str) -> str:
    """The right-hand side of a top-level `name = ...;` assignment in the .scad source."""
    m = re.search(rf"^{re.escape(name)}\s*=\s*([^;]+);", SCAD.read_text(), re.MULTILINE)
    assert m, f"parameter {name!r} not found at the top of {SCAD.name}"
    return m.group(1).strip()


def scad_number(name: str) -> float:
    return float(scad_param(name))


def scad_vector(name: str) -> tuple[float, ...]:
    text = scad_param(name)
    assert text.startswith("[") and text.endswith("]"), f"{name} is not a vector: {text}"
    return tuple(float(v) for v in text[1:-1].split(","))


def load_stl(path: Path) -> list[Tri]:
    tris: list[Tri] = []
    cur: list[Vec] = []
    with path.open() as fh:
        for line in fh:
            parts = line.split()
            if parts and parts[0] == "vertex":
                cur.append((float(parts[1]), float(parts[2]), float(parts[3])))
                if len(cur) == 3:
                    tris.append((cur[0], cur[1], cur[2]))
                    cur = []
    assert tris, f"{path} holds no ASCII STL facets"
    return tris


def bbox(tris: list[Tri]) -> tuple[Vec, Vec]:
    pts = [p for t in tris for p in t]
    return (
        (min(p[0] for p in pts), min(p[1] for p in pts), min(p[2] for p in pts)),
        (max(p[0] for p in pts), max(p[1] for p in pts), max(p[2] for p in pts)),
    )


def components(tris: list[Tri]) -> list[list[Tri]]:
    """Split a mesh into its connected pieces (triangles sharing vertices)."""
    parent = list(range(len(tris)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[Vec, int] = {}
    for i, t in enumerate(tris):
        for p in t:
            if p in owner:
                parent[find(i)] = find(owner[p])
            else:
                owner[p] = i
    groups: dict[int, list[Tri]] = {}
    for i, t in enumerate(tris):
        groups.setdefault(find(i), []).append(t)
    return list(groups.values())


def _sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def _cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def ray_hits(tris: list[Tri], origin: Vec, direction: Vec) -> list[float]:
    """Distances along the ray (t > 0) at which it crosses the mesh (Moller-Trumbore)."""
    hits = []
    for a, b, c in tris:
        e1, e2 = _sub(b, a), _sub(c, a)
        p = _cross(direction, e2)
        det = _dot(e1, p)
        if abs(det) < 1e-12:
            continue
        inv = 1.0 / det
        s = _sub(origin, a)
        u = _dot(s, p) * inv
        if u < 0.0 or u > 1.0:
            continue
        q = _cross(s, e1)
        v = _dot(direction, q) * inv
        if v < 0.0 or u + v > 1.0:
            continue
        t = _dot(e2, q) * inv
        if t > 1e-9:
            hits.append(t)
    return sorted(hits)


def axis_candidates(tris: list[Tri], origin: Vec, axis: int) -> list[Tri]:
    """Triangles whose bounding box the axis-parallel line through origin can meet."""
    others = [k for k in range(3) if k != axis]
    out = []
    for t in tris:
        if all(
            min(p[k] for p in t) - 1e-9 <= origin[k] <= max(p[k] for p in t) + 1e-9 for k in others
        ):
            out.append(t)
    return out


def material_along(parts: list[list[Tri]], origin: Vec, axis: int, sign: int) -> float:
    """Total thickness of solid material met by an axis-parallel ray (0 when it escapes)."""
    direction = tuple(float(sign) if k == axis else 0.0 for k in range(3))
    total = 0.0
    for tris in parts:
        hits = ray_hits(axis_candidates(tris, origin, axis), origin, direction)
        # the origin lies in free space, so the crossings of a closed mesh pair up as entry/exit
        assert len(hits) % 2 == 0, f"odd number of crossings from {origin} along axis {axis}"
        total += sum(hits[i + 1] - hits[i] for i in range(0, len(hits), 2))
    return total


def inside_solid(tris: list[Tri], point: Vec) -> bool:
    """Parity test with a slanted ray (unlikely to graze an edge of these axis-aligned meshes)."""
    d = (0.5773, 0.5821, 0.5717)
    return len(ray_hits(tris, point, d)) % 2 == 1


def clip_polygon(poly: list[Vec], axis: int, bound: float, keep_below: bool) -> list[Vec]:
    out: list[Vec] = []
    n = len(poly)
    for i in range(n):
        cur, nxt = poly[i], poly[(i + 1) % n]
        cin = cur[axis] <= bound if keep_below else cur[axis] >= bound
        nin = nxt[axis] <= bound if keep_below else nxt[axis] >= bound
        if cin:
            out.append(cur)
        if cin != nin:
            t = (bound - cur[axis]) / (nxt[axis] - cur[axis])
            out.append(tuple(cur[k] + t * (nxt[k] - cur[k]) for k in range(3)))
    return out


def polygon_area(poly: list[Vec]) -> float:
    if len(poly) < 3:
        return 0.0
    acc = (0.0, 0.0, 0.0)
    for i in range(1, len(poly) - 1):
        c = _cross(_sub(poly[i], poly[0]), _sub(poly[i + 1], poly[0]))
        acc = (acc[0] + c[0], acc[1] + c[1], acc[2] + c[2])
    return 0.5 * math.sqrt(_dot(acc, acc))


def intrusions(tris: list[Tri], lo: Vec, hi: Vec, margin: float = 1e-3) -> list[Tri]:
    """Triangles with a piece of positive area strictly inside the box lo..hi (shrunk by margin)."""
    lo = tuple(v + margin for v in lo)
    hi = tuple(v - margin for v in hi)
    found = []
    for t in tris:
        if any(max(p[k] for p in t) <= lo[k] or min(p[k] for p in t) >= hi[k] for k in range(3)):
            continue
        poly = list(t)
        for k in range(3):
            poly = clip_polygon(poly, k, lo[k], keep_below=False)
            poly = clip_polygon(poly, k, hi[k], keep_below=True)
            if not poly:
                break
        if polygon_area(poly) > 1e-9:
            found.append(t)
    return found


def run_openscad(out: Path, part: str, devices: int) -> str:
    proc = subprocess.run(
        ["openscad", "--export-format", "asciistl", "-o", str(out),
         "-D", f'part="{part}"', "-D", f"devices={devices}", str(SCAD)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"openscad failed for {part}/{devices}:\n{proc.stderr}"
    return proc.stderr


def parse_admesh(report: str) -> dict[str, float]:
    fields = {
        "disconnected": r"Total disconnected facets\s*:\s*(\d+)\s+(\d+)",
        "parts": r"Number of parts\s*:\s*(\d+)",
        "volume": r"Volume\s*:\s*([-\d.]+)",
        "degenerate": r"Degenerate facets\s*:\s*(\d+)",
        "edges_fixed": r"Edges fixed\s*:\s*(\d+)",
        "removed": r"Facets removed\s*:\s*(\d+)",
        "added": r"Facets added\s*:\s*(\d+)",
        "reversed": r"Facets reversed\s*:\s*(\d+)",
        "backwards": r"Backwards edges\s*:\s*(\d+)",
        "normals_fixed": r"Normals fixed\s*:\s*(\d+)",
    }
    out: dict[str, float] = {}
    for key, rx in fields.items():
        m = re.search(rx, report)
        assert m, f"admesh report lacks {key!r}:\n{report}"
        out[key] = float(m.group(1)) + (float(m.group(2)) if m.lastindex == 2 else 0.0)
    return out


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("housing-stl")
    proc = subprocess.run(["bash", str(BUILD), str(out)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"build.sh failed:\n{proc.stderr}"
    return out


# ----------------------------------------------------------------------------- tests without tools


def test_sources_and_committed_stls_present() -> None:
    assert SCAD.is_file() and BUILD.is_file() and README.is_file()
    for name in STL_NAMES:
        assert (HOUSING / name).is_file(), f"committed STL missing: {name}"
    build = BUILD.read_text()
    assert "set -euo pipefail" in build and "openscad" in build


def test_parameters_at_top_of_source() -> None:
    device = scad_vector("device")
    assert all(d >= n for d, n in zip(device, NOMINAL_DEVICE)), f"device {device} smaller than {NOMINAL_DEVICE}"
    assert scad_number("clearance") > 0
    assert scad_number("wall") >= MIN_WALL
    assert scad_param("devices") in {"1", "2"}


def test_readme_covers_printing_assembly_and_safety() -> None:
    text = README.read_text().lower()
    for needle in ("petg", "asa", "pla", "layer height", "infill", "m3", "assembly",
                   "electrical", "rated enclosure", "build.sh"):
        assert needle in text, f"README.md does not mention {needle!r}"


# ----------------------------------------------------------------------------- mesh tests


@needs_tools
def test_committed_stls_match_source(regenerated: Path) -> None:
    stale = []
    for name in STL_NAMES:
        committed = (HOUSING / name).read_bytes()
        fresh = (regenerated / name).read_bytes()
        if committed != fresh:
            a = set(map(tuple, load_stl(HOUSING / name)))
            b = set(map(tuple, load_stl(regenerated / name)))
            stale.append(f"{name}: {len(a - b)} committed facets not produced, {len(b - a)} new")
    assert not stale, "committed STLs differ from the source; run housing-stl/build.sh\n" + "\n".join(stale)


@needs_tools
@pytest.mark.parametrize("name", STL_NAMES)
def test_part_is_closed_manifold_solid(regenerated: Path, name: str) -> None:
    proc = subprocess.run(["admesh", str(regenerated / name)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = proc.stdout
    stats = parse_admesh(report)
    assert "No holes need to be filled" in report, report
    assert stats["disconnected"] == 0, report
    assert stats["degenerate"] == 0, report
    for key in ("edges_fixed", "removed", "added", "reversed", "backwards", "normals_fixed"):
        assert stats[key] == 0, f"admesh had to fix {key}:\n{report}"
    assert stats["parts"] == 1, f"{name} is not one connected solid:\n{report}"
    assert stats["volume"] > 0, report


@needs_tools
@pytest.mark.parametrize("devices", VARIANTS)
def test_cavity_holds_device_plus_clearance(regenerated: Path, tmp_path: Path, devices: int) -> None:
    device = scad_vector("device")
    clearance = scad_number("clearance")
    assert all(d >= n for d, n in zip(device, NOMINAL_DEVICE))
    need = tuple(d + 2 * clearance for d in device)

    # the pocket the source reserves for each meter, in assembled coordinates
    log = run_openscad(tmp_path / "pocket.stl", "pocket", devices)
    m = re.search(r"top_print_flip = \[([-\d.]+), ([-\d.]+)\]", log)
    assert m, f"openscad did not echo top_print_flip:\n{log}"
    flip_y, flip_z = float(m.group(1)), float(m.group(2))
    pockets = [bbox(c) for c in components(load_stl(tmp_path / "pocket.stl"))]
    assert len(pockets) == devices

    bottom = load_stl(regenerated / f"shelly-em-x{devices}-bottom.stl")
    # the top is exported turned over for printing; put it back on the bottom
    top = [tuple((p[0], flip_y - p[1], flip_z - p[2]) for p in t) for t in
           load_stl(regenerated / f"shelly-em-x{devices}-top.stl")]
    parts = [bottom, top]
    (alo, ahi) = bbox(bottom + top)

    for lo, hi in pockets:
        size = tuple(hi[k] - lo[k] for k in range(3))
        assert all(size[k] >= need[k] - 1e-6 for k in range(3)), f"pocket {size} < device+clearance {need}"
        assert all(alo[k] < lo[k] and hi[k] < ahi[k] for k in range(3)), "pocket pokes out of the enclosure"
        centre = tuple((lo[k] + hi[k]) / 2 for k in range(3))
        for name, tris in (("bottom", bottom), ("top", top)):
            hit = intrusions(tris, lo, hi)
            assert not hit, f"{name} intrudes into the device pocket {lo}..{hi}, e.g. {hit[:3]}"
            assert not inside_solid(tris, centre), f"device pocket lies inside the {name}'s material"

        # every face of the pocket is walled in: rays from a grid on each face must meet at least
        # MIN_WALL of material, apart from the few that leave through the small front openings or
        # the cable entries
        fractions = (0.071, 0.213, 0.358, 0.497, 0.641, 0.787, 0.929)
        for axis in range(3):
            u, v = [k for k in range(3) if k != axis]
            for sign, start in ((-1, lo[axis]), (1, hi[axis])):
                walled = 0
                thin = []
                for fu in fractions:
                    for fv in fractions:
                        o = [0.0, 0.0, 0.0]
                        o[axis] = start - sign * 1e-3
                        o[u] = lo[u] + fu * size[u]
                        o[v] = lo[v] + fv * size[v]
                        t = material_along(parts, tuple(o), axis, sign)
                        if t > 0:
                            walled += 1
                            if t < MIN_WALL - 1e-6:
                                thin.append((tuple(round(c, 2) for c in o), round(t, 3)))
                rays = len(fractions) ** 2
                face = f"{'-+'[sign > 0]}{'xyz'[axis]}"
                assert not thin, f"pocket face {face}: less than {MIN_WALL} mm of material at {thin}"
                assert walled >= 0.75 * rays, f"pocket face {face} is open: only {walled}/{rays} rays walled"
