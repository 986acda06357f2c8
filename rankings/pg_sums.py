"""The PostgreSQL reads of the index computation: per unit, the self-assessed scores summed in one
query and the survey points read in another.

Used by rankings.computation.compute_round on PostgreSQL; tests/rankings/test_fast_path.py checks
that it gives exactly the results of the reference path, which reads every score row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection

from assessments.models import Assessment, AssessmentState, LeafScore
from assessments.models import Round as IndexRound
from surveys.models import SurveyLeafResult

if TYPE_CHECKING:
    from rankings.shape import FrameworkShape

# One query reads every score row of the round once and returns one row per assessment:
#   - the points of every breakdown slot (see rankings.shape.FrameworkShape) packed into one exact
#     number: each self leaf's points (the same rule as computation._self_part: NULL when confirmed
#     N/A, the appraised value, else the self value while not finalised), in hundredths, are multiplied
#     by 10^(W·slot), so the sum's digits are the slots' totals in hundredths, W digits each, exactly
#     the digits _self_part writes. W (see FrameworkShape.set_width) is wide enough that no slot carries
#     into the next. The multiplication is done in two steps, because numeric arithmetic on a number
#     of a hundred digits or more for every row costs more than the rest of the query: a 64-bit one
#     within a "word" of a few slots (as many as keep a leaf's points × 10^(W·r) below 2^63: see
#     FrameworkShape.bound, checked here), then one numeric by the word's power of ten;
#   - the total points, and the self and appraised totals over leaves not confirmed N/A;
#   - bit masks (62 leaves per word) of the leaves with a score row, of the leaves confirmed N/A and of
#     the leaves with a row but no points: the other leaves are unscored. Only then does Python look at
#     single leaves;
#   - a digest part: the count and the exclusive or of 64-bit hashes of every score row's fields
#     (a row is unique per assessment and leaf, and its hash covers the leaf, so no two rows cancel);
#   - the largest points of any of its rows, to check them against FrameworkShape.bound.
# A leaf's facts (its slot multiplier, word, mask word and bit, ranking group) are looked up in arrays
# indexed by node id minus the smallest self leaf id of the round, which costs next to nothing per row,
# where a join to a table of leaves would cost more than the baseline aggregate itself. Score rows of a
# node that is no self leaf of the assessment's framework are no input of the rules and are left out.
# All aggregates here can run in parallel workers.

MASK_BITS = 62
# Node ids of the round's self leaves spanning more than this (frameworks edited over many years) make
# the lookup arrays too large to send: the computation then reads every row (the reference path).
MAX_ID_SPAN = 200_000
# Survey leaves of all frameworks of a round read as columns of one row (An Giang's have a dozen each).
MAX_SURVEY_LEAVES = 400


class AboveBound(Exception):  # noqa: N818 - a signal to the caller, not an error
    """Some self leaf's points are above FrameworkShape.bound: the slots must be chosen wide."""


def begin_reads() -> None:
    """Settings for the queries below, for the caller's transaction only.

    The per-assessment states of the score aggregate are larger than the default work_mem (4 MB at
    10 000 units), and spilling them to disk would double the query's time. The planner cannot
    estimate the array lookups and expects a few hundred rows where there are all of them: it would
    then sort them all for a grouped aggregate, where grouping the ordered scan costs half as much.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', '64MB', true), set_config('enable_sort', 'off', true)")


def _lookup_arrays(entries: list[tuple[int, dict]], blank: dict) -> tuple[int, dict[str, list]] | None:
    """Arrays indexed by node id − base: (base, {name: array}); None when the ids span too far.

    No NULLs in the arrays (an element of an array with NULLs is found by walking it): ids in between
    take the ``blank`` values, whose group 0 no assessment has.
    """
    if not entries:
        return 0, {name: [value] for name, value in blank.items()}
    lo = min(node_id for node_id, _ in entries)
    span = max(node_id for node_id, _ in entries) - lo + 1
    if span > MAX_ID_SPAN:
        return None
    arrays = {name: [value] * span for name, value in blank.items()}
    for node_id, values in entries:
        for name, value in values.items():
            arrays[name][node_id - lo] = value
    return lo - 1, arrays  # PostgreSQL arrays are 1-based


def self_sums_pg(round: IndexRound, shapes: dict[int, FrameworkShape], groups: dict[int, int], h) -> dict[int, tuple] | None:
    """Per assessment: (packed slot digits text, points, self, appraised, N/A mask, scored mask) in hundredths.

    ``groups``: the ranking group of every assessment of the round.
    None when the round's self leaf ids are too far apart for the lookup arrays (see MAX_ID_SPAN).
    """
    powers: list[str] = []
    power_index: dict[int, int] = {}
    entries = []
    n_words = 1
    for shape in shapes.values():
        # A leaf's points are at most shape.bound (checked below), below 10^d: points × 10^(W·r) stay
        # below 2^63 while d + W·r ≤ 18.
        pair = (18 - len(str(shape.bound))) // shape.width + 1
        for j, slot in enumerate(shape.leaf_slots):
            exponent = shape.width * pair * (slot // pair)
            if exponent not in power_index:
                power_index[exponent] = len(powers) + 1
                powers.append("1" + "0" * exponent)
            entries.append((shape.self_leaves[j][0], {
                "groups": shape.group_id, "within": 10 ** (shape.width * (slot % pair)), "word": power_index[exponent],
                "mask_word": j // MASK_BITS, "bit": 1 << (j % MASK_BITS),
            }))
            n_words = max(n_words, j // MASK_BITS + 1)
    lookup = _lookup_arrays(entries, {"groups": 0, "within": 0, "word": 1, "mask_word": -1, "bit": 0})
    if lookup is None:
        return None
    base, arrays = lookup
    score, assessment = LeafScore._meta.db_table, Assessment._meta.db_table
    i = "s.node_id - %(base)s"
    in_framework = f"(%(groups)s::bigint[])[{i}] = a.group_id"
    # The columns *_cents, na_confirmed and input_hash are generated from the row by PostgreSQL
    # (assessments/migrations/0003_leafscore_computed_columns.py).
    points = ("CASE WHEN s.na_confirmed THEN NULL WHEN a.state = %(finalised)s THEN s.app_cents "
              "ELSE COALESCE(s.app_cents, s.self_cents) END")
    # A row without points that is not confirmed N/A (the cheap and mostly false test first).
    empty = "s.app_cents IS NULL AND (a.state = %(finalised)s OR s.self_cents IS NULL) AND NOT s.na_confirmed"
    mask_columns = []
    for w in range(n_words):
        in_word = f"(%(mask_word)s::int[])[{i}] = {w}"
        mask_columns.append(f"COALESCE(bit_or((%(bit)s::int8[])[{i}]) FILTER (WHERE s.na_confirmed AND {in_word}), 0)")
        mask_columns.append(f"COALESCE(bit_or((%(bit)s::int8[])[{i}]) FILTER (WHERE {empty} AND {in_word}), 0)")
    sql = f"""
        SELECT s.assessment_id, count(*), bit_xor(s.input_hash),
               sum(({points})::int8 * (%(within)s::int8[])[{i}] * (%(powers)s::numeric[])[(%(word)s::int[])[{i}]])::text,
               COALESCE(sum({points}), 0),
               COALESCE(sum(s.self_cents) FILTER (WHERE NOT s.na_confirmed), 0),
               COALESCE(sum(s.app_cents) FILTER (WHERE NOT s.na_confirmed), 0),
               {", ".join(mask_columns)},
               max(GREATEST(s.self_cents, s.app_cents))
        FROM {score} s
        JOIN {assessment} a ON a.id = s.assessment_id
        WHERE a.round_id = %(round)s AND {in_framework}
        GROUP BY s.assessment_id
        ORDER BY s.assessment_id
    """  # noqa: S608 - fixed table names, generated column list, values passed as parameters
    params = {"finalised": str(AssessmentState.FINALISED), "base": base, "powers": powers, "round": round.pk, **arrays}
    n_leaves = {shape.group_id: len(shape.self_leaves) for shape in shapes.values()}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        # Assessments with fewer rows than leaves: which leaves have a row (mostly none, and then the
        # query reads nothing).
        partial = [r[0] for r in rows if r[1] != n_leaves.get(groups.get(r[0]))]
        present_columns = ", ".join(
            f"COALESCE(bit_or((%(bit)s::int8[])[{i}]) FILTER (WHERE (%(mask_word)s::int[])[{i}] = {w}), 0)"
            for w in range(n_words))
        cursor.execute(f"""
            SELECT s.assessment_id, {present_columns}
            FROM {score} s JOIN {assessment} a ON a.id = s.assessment_id
            WHERE s.assessment_id = ANY(%(partial)s) AND {in_framework}
            GROUP BY s.assessment_id
        """, {"partial": partial, "base": base, **arrays})  # noqa: S608
        present = {}
        for row in cursor.fetchall():
            mask = 0
            for w in range(n_words):
                mask |= row[1 + w] << (MASK_BITS * w)
            present[row[0]] = mask
    bounds = {shape.group_id: shape.bound for shape in shapes.values()}
    if any((r[-1] or 0) > bounds[groups[r[0]]] for r in rows):
        raise AboveBound
    h.update(b"postgresql score hashes")
    h.update(repr([r[:3] for r in rows]).encode())
    out = {}
    for row in rows:
        na_mask = empty = 0
        for w in range(n_words):
            shift = MASK_BITS * w
            na_mask |= row[7 + 2 * w] << shift
            empty |= row[8 + 2 * w] << shift
        ok_mask = present.get(row[0], -1) & ~na_mask & ~empty
        out[row[0]] = (row[3], row[4], row[5], row[6], na_mask, ok_mask)
    return out


def survey_sums_pg(round: IndexRound, shapes: dict[int, FrameworkShape], import_ids: list[int], h) -> dict[int, tuple] | None:
    """Per assessment, its unit's points of the current survey imports, read in one query.

    A tuple of the points in hundredths (None: not measured, no row or a row without points) of the
    survey leaves of every framework of the round, one framework after the other in the order of
    ``shapes``, each in its order of ``survey_leaves``: a unit's own are at ``survey_offset`` of its
    framework. None when the frameworks have more survey leaves than MAX_SURVEY_LEAVES in all.
    """
    ids = []
    for shape in shapes.values():
        shape.survey_offset = len(ids)
        ids.extend(node_id for node_id, *_rest in shape.survey_leaves)
    if len(ids) > MAX_SURVEY_LEAVES:
        return None
    results, assessment = SurveyLeafResult._meta.db_table, Assessment._meta.db_table
    # One column per survey leaf, its rows picked by their leaf id: a comparison of integers a row
    # and column, where an ordered aggregate would sort and an array lookup cost several times more.
    # points_cents and input_hash are generated from the row by PostgreSQL
    # (surveys/migrations/0003_leafresult_computed_columns.py).
    leaf_columns = "".join(f", max(r.points_cents) FILTER (WHERE r.leaf_id = {int(node_id)})" for node_id in ids)
    sql = f"""
        SELECT a.id, count(*), bit_xor(r.input_hash){leaf_columns}
        FROM {results} r
        JOIN {assessment} a ON a.unit_id = r.unit_id AND a.round_id = %(round)s
        WHERE r.survey_import_id = ANY(%(imports)s)
        GROUP BY a.id
        ORDER BY a.id
    """  # noqa: S608 - fixed table names, column list made of integers, values passed as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, {"round": round.pk, "imports": import_ids})
        rows = cursor.fetchall()
    # The digest part: per assessment, the count and the exclusive or of 64-bit hashes of its rows (a
    # row is unique per import, unit and leaf, and its hash covers the leaf and the import).
    h.update(b"postgresql survey hashes")
    h.update(repr([r[:3] for r in rows]).encode())
    return {r[0]: r[3:] for r in rows}
