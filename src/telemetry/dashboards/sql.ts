/**
 * SQL fragments the dashboards share. Grafana's read-only role cannot create functions, so what a
 * panel computes (a group's order for the theory line) is spelled out inside its query.
 */

/**
 * |G| from a group name as sgc stores it (factors joined by `x`: C10, D5, S4, A5, Q8, O, I, C3xD4; see
 * src/algebra/parse.ts): the product of the factors' orders, NULL for a name it does not know (a
 * group from a JSON file), so that no theory is drawn rather than a wrong one. The product is
 * exp(Σ ln) on numeric, exact after rounding for every order sgc builds (≤ 4096).
 */
export function groupOrderSql(column: string): string {
  return `(SELECT CASE WHEN bool_and(o IS NOT NULL) THEN round(exp(sum(ln(o))))::bigint END
    FROM (SELECT CASE
        WHEN f ~ '^C[0-9]+$' THEN substr(f, 2)::numeric
        WHEN f ~ '^D[0-9]+$' THEN 2 * substr(f, 2)::numeric
        WHEN f ~ '^S[0-9]+$' THEN factorial(substr(f, 2)::integer)
        WHEN f ~ '^A[0-9]+$' THEN factorial(substr(f, 2)::integer) / 2
        WHEN f = 'Q8' THEN 8
        WHEN f = 'O' THEN 24
        WHEN f = 'I' THEN 60
      END AS o
      FROM regexp_split_to_table(${column}, 'x') AS f) AS factors)`;
}

/** The two-layer model's cells: `mlp`, or `mlp-d<degree>` (src/sweep/keys.ts). */
export function isTwoLayerSql(column: string): string {
  return `(${column} = 'mlp' OR ${column} LIKE 'mlp-%')`;
}

/** The theory's width for the two-layer model, 2^(k−1)·|G|; NULL for the other models. */
export function theoryWidthSql(alias: string): string {
  return `CASE WHEN ${isTwoLayerSql(`${alias}."model"`)} THEN (power(2, ${alias}."k" - 1) * ${groupOrderSql(`${alias}."group_name"`)})::bigint END`;
}
