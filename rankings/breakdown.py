"""The stored form of a unit result's breakdown and its expansion to the shape of UnitResult's docstring.

A run stores its breakdown nodes once (``IndexRun.catalogue``: for each ranking group's framework, the
domains and criteria with their ids, codes and names, their maxima with every leaf counted, and how a
unit's numbers add up to them, under a key made from that content). Each unit result stores only
numbers, in integer hundredths: ``{"k": key, "s": "<digits>", "v": "<survey leaf points,...>",
"x": "<leaves left out of the applicable maximum,...>"}``. "s" holds the self-assessed points of
every slot, ``width`` digits per slot, the last slot first; a criterion is its slot, a domain the sum
of its range of slots; each survey leaf's points are added to its criterion (if any) and domain. "x"
is there only when some leaf is left out of the applicable maximum (a confirmed N/A leaf, a survey
not measured): indexes into the catalogue's "leaves" ([criterion or -1, domain, max]), whose maxima
are taken off the full ones. Numbers are kept as text because PostgreSQL parses a JSON string much faster
than as many JSON numbers. ``expand`` turns both back into the documented shape, with the percentage
and the points lost derived exactly as the computation defines them.

The catalogue of a succeeded run never changes and its key is a digest of its content, so expanded
catalogues are kept per process by key: one query per key per process, none per unit.
"""

from __future__ import annotations

import hashlib
import json
import threading

_cache: dict[str, dict] = {}
_lock = threading.Lock()
_CACHE_MAX = 256


def cents_str(c: int) -> str:
    """Integer hundredths as the canonical decimal string ("12.50") used in the breakdown."""
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


def pct_hundredths(total: int, maximum: int) -> int:
    """round(total / maximum × 100, 2) half up, in hundredths of a percent (total, maximum in hundredths)."""
    q, r = divmod(total * 10000, maximum)
    if 2 * r >= maximum:
        q += 1
    return q


def catalogue_key(entry: dict) -> str:
    text = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def remember(catalogue: dict) -> None:
    """Keep the entries of a run's catalogue ({key: {"domains", "criteria", "domain_max", "criterion_max"}})."""
    with _lock:
        if len(_cache) + len(catalogue) > _CACHE_MAX:
            _cache.clear()
        for key, entry in (catalogue or {}).items():
            _cache[key] = entry


def lookup(key: str, load_catalogue) -> dict | None:
    """The catalogue entry for ``key``; ``load_catalogue()`` returns the run's catalogue on a miss."""
    found = _cache.get(key)
    if found is None:
        remember(load_catalogue())
        found = _cache.get(key)
    return found


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",")] if text else []


def _entries(nodes: list[dict], points: list[int], maxima: list[int]) -> list[dict]:
    out = []
    for node, p, m in zip(nodes, points, maxima, strict=True):
        entry = dict(node)
        entry["points"] = cents_str(p)
        entry["max"] = cents_str(m)
        entry["pct"] = cents_str(pct_hundredths(p, m)) if m else None
        entry["lost"] = cents_str(m - p)
        out.append(entry)
    return out


def is_compact(data) -> bool:
    return isinstance(data, dict) and "k" in data


def expand(data, load_catalogue) -> dict:
    """The documented breakdown shape from the stored form (a breakdown stored in full is returned as is)."""
    if not is_compact(data):
        return data if data is not None else {}
    entry = lookup(data["k"], load_catalogue)
    if entry is None:
        raise LookupError(f"breakdown catalogue {data['k']} not found in its run")
    width, digits = entry["width"], data["s"]
    end = len(digits)
    slots = [int(digits[end - width * (k + 1):end - width * k]) for k in range(end // width)]
    criterion_points = [slots[s] for s in entry["criterion_slots"]]
    domain_points = [sum(slots[a:b]) for a, b in entry["domain_ranges"]]
    for (crit, dom), p in zip(entry["survey"], _ints(data["v"]), strict=True):
        domain_points[dom] += p
        if crit >= 0:
            criterion_points[crit] += p
    domain_max, criterion_max = entry["domain_max"], entry["criterion_max"]
    if data.get("x"):
        domain_max, criterion_max = list(domain_max), list(criterion_max)
        for i in _ints(data["x"]):
            crit, dom, leaf_max = entry["leaves"][i]
            domain_max[dom] -= leaf_max
            if crit >= 0:
                criterion_max[crit] -= leaf_max
    return {"domains": _entries(entry["domains"], domain_points, domain_max),
            "criteria": _entries(entry["criteria"], criterion_points, criterion_max)}
