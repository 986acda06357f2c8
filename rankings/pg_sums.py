"""The PostgreSQL reads of the index computation: the self-assessed scores summed per unit in one query.

Used by rankings.computation.compute_round on PostgreSQL; tests/rankings/test_fast_path.py checks
that it gives exactly the results of the reference path, which reads every score row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, transaction

from assessments.models import Assessment, AssessmentState, LeafScore, NaDecision
from assessments.models import Round as IndexRound
from surveys.models import SurveyLeafResult

if TYPE_CHECKING:
    from rankings.computation import FrameworkShape

# One query reads every score row of the round once and returns one row per assessment:
#   - the points of every breakdown slot (see computation.FrameworkShape) packed into one exact
#     number: each self leaf's points (the same rule as computation._self_part: NULL when confirmed
#     N/A, the appraised value, else the self value while not finalised) are multiplied by
#     100·10^(W·slot), so the sum's digits are the slots' totals in hundredths, W digits each, exactly
#     the digits _self_part writes. W (see FrameworkShape.prepare) is wide enough that no slot carries
#     into the next;
#   - the total points, and the self and appraised totals over leaves not confirmed N/A;
#   - bit masks (62 leaves per word) of the leaves confirmed N/A and of the leaves with points: the
#     other leaves are unscored. Only then does Python look at single leaves;
#   - a digest part: the count and the sum of 64-bit hashes of every score row's fields.
# All aggregates here can run in parallel workers.

MASK_BITS = 62


def survey_hash_pg(import_ids: list[int], h) -> None:
    """The digest part of the survey points on PostgreSQL: their count and the sum of 64-bit row hashes."""
    table = SurveyLeafResult._meta.db_table
    row_hash = ("hashint8extended(unit_id, hashint8extended(leaf_id, "
                "hash_numeric_extended(COALESCE(points, -1), survey_import_id)))")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), sum({row_hash})::text FROM {table} WHERE survey_import_id = ANY(%s)",  # noqa: S608
                       [import_ids])
        h.update(repr(cursor.fetchone()).encode())


def self_sums_pg(round: IndexRound, shapes: dict[int, FrameworkShape], h) -> dict[int, tuple]:
    groups, nodes, mults, words, bits = [], [], [], [], []
    n_words = 1
    for shape in shapes.values():
        n_words = max(n_words, -(-len(shape.self_leaves) // MASK_BITS))
        for j, (node_id, _max, _crit, _dom, _code) in enumerate(shape.self_leaves):
            mult = 10 ** (shape.width * shape.leaf_slots[j])
            groups.append(shape.group_id)
            nodes.append(node_id)
            mults.append(str(mult * 100))
            words.append(j // MASK_BITS)
            bits.append(1 << (j % MASK_BITS))
    score, assessment = LeafScore._meta.db_table, Assessment._meta.db_table
    na = "(s.self_na AND s.na_decision = %(confirmed)s)"
    points = f"CASE WHEN {na} THEN NULL WHEN a.state = %(finalised)s THEN s.app_points ELSE COALESCE(s.app_points, s.self_points) END"
    mask_columns = []
    for w in range(n_words):
        mask_columns.append(f"COALESCE(bit_or(m.bit) FILTER (WHERE m.word = {w} AND {na}), 0)")
        mask_columns.append(f"COALESCE(bit_or(m.bit) FILTER (WHERE m.word = {w} AND ({points}) IS NOT NULL), 0)")
    # A 64-bit hash of every field the rules read (points are never negative, so -1 stands for none).
    row_hash = ("hash_numeric_extended(COALESCE(s.self_points, -1), hash_numeric_extended(COALESCE(s.app_points, -1), "
                "hashtextextended(s.na_decision, s.node_id * 2 + s.self_na::int)))")
    sql = f"""
        SELECT s.assessment_id, count(*), sum({row_hash})::text,
               (sum(({points}) * m.mult))::text,
               (COALESCE(sum({points}) FILTER (WHERE m.mult IS NOT NULL), 0) * 100)::bigint,
               (COALESCE(sum(s.self_points) FILTER (WHERE m.mult IS NOT NULL AND NOT {na}), 0) * 100)::bigint,
               (COALESCE(sum(s.app_points) FILTER (WHERE m.mult IS NOT NULL AND NOT {na}), 0) * 100)::bigint,
               {", ".join(mask_columns)}
        FROM {score} s
        JOIN {assessment} a ON a.id = s.assessment_id
        LEFT JOIN unnest(%(groups)s::bigint[], %(nodes)s::bigint[], %(mults)s::numeric[], %(words)s::int[],
                         %(bits)s::bigint[]) AS m(group_id, node_id, mult, word, bit)
               ON m.node_id = s.node_id AND m.group_id = a.group_id
        WHERE a.round_id = %(round)s
        GROUP BY s.assessment_id
        ORDER BY s.assessment_id
    """  # noqa: S608 - fixed table names, generated column list, values passed as parameters
    params = {"confirmed": str(NaDecision.CONFIRMED), "finalised": str(AssessmentState.FINALISED), "groups": groups,
              "nodes": nodes, "mults": mults, "words": words, "bits": bits, "round": round.pk}
    with transaction.atomic(), connection.cursor() as cursor:
        # The per-assessment hash table of this aggregate is larger than the default work_mem (4 MB at
        # 10 000 units); spilling it to disk would double the query's time.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    h.update(b"postgresql score hashes")
    h.update(repr([r[:3] for r in rows]).encode())
    out = {}
    for row in rows:
        na_mask = ok_mask = 0
        for w in range(n_words):
            na_mask |= row[7 + 2 * w] << (MASK_BITS * w)
            ok_mask |= row[8 + 2 * w] << (MASK_BITS * w)
        out[row[0]] = (row[3], row[4], row[5], row[6], na_mask, ok_mask)
    return out
