// Usernames that satisfy the app's rule (3–20 characters of [a-z0-9_]), derived
// deterministically: from the email's local part, else the wallet, else the
// Privy id. Collisions with the database and inside the file are resolved in
// PostgreSQL, a few set-based rounds for all rows at once (never a query per name).
import type pg from "pg";
import { OperationError } from "../errors.ts";
import { PRIVY_DID_PREFIX } from "./fields.ts";
import { NAMES, STAGING } from "./staging.ts";

export const USERNAME_RULE = /^[a-z0-9_]{3,20}$/;
const MAX_LENGTH = 20;

/** Lower-case, anything outside [a-z0-9_] becomes "_", runs of "_" collapse, no "_" at either end, at most 20. */
function clean(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/_+/g, "_")
    .slice(0, MAX_LENGTH)
    .replace(/^_+|_+$/g, "");
}

export interface UsernameSource {
  privyDid: string;
  email?: string;
  solanaWallet?: string;
  embeddedWallet?: string;
}

/** The preferred name before collisions: "jane_doe" (jane.doe+news@…), "sol_7xkxtg2c", "user_<last 8 of the id>". */
export function usernameBase(source: UsernameSource): string {
  if (source.email) {
    const local = source.email.slice(0, source.email.indexOf("@")).split("+")[0] ?? "";
    const name = clean(local);
    if (name.length >= 3) return name;
  }
  const wallet = source.solanaWallet ?? source.embeddedWallet;
  if (wallet) return `sol_${wallet.slice(0, 8).toLowerCase()}`;
  return `user_${source.privyDid.slice(PRIVY_DID_PREFIX.length).slice(-8)}`;
}

/** The k-th name for a base (SQL): k = 1 is the base, then base_2, base_3, … shortened to stay within 20 characters. */
const CANDIDATE_SQL = `CASE WHEN k = 1 THEN g.base
  ELSE rtrim(left(g.base, ${MAX_LENGTH} - length('_' || k::text)), '_') || '_' || k::text END`;

const MAX_ROUNDS = 30;

/**
 * Names every staged row to import (outcome NULL) in ${NAMES}. Each round, the
 * rows sharing a base take, in file order, the lowest-numbered candidates that no
 * user in the database, no already named row, and no other pending row's base
 * holds; two bases shortened to the same name are settled by file order in the
 * next round. Each round widens the candidate window, so every row gets a name.
 * Returns the number of rounds.
 */
export async function assignUsernames(client: pg.PoolClient): Promise<number> {
  const toName = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${STAGING} WHERE outcome IS NULL`);
  let unnamed = toName.rows[0]?.n ?? 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (unnamed === 0) return round;
    const named = await client.query(
      `WITH pending AS (
         SELECT line, username_base AS base, row_number() OVER (PARTITION BY username_base ORDER BY line) AS rank
           FROM ${STAGING} s WHERE outcome IS NULL AND NOT EXISTS (SELECT 1 FROM ${NAMES} n WHERE n.line = s.line)),
       groups AS (SELECT base, count(*) AS n FROM pending GROUP BY base),
       candidates AS (
         SELECT g.base, k, ${CANDIDATE_SQL} AS name
           FROM groups g, generate_series(1, (g.n + 4 ^ $1::int - 1)::int) AS k),
       free AS (
         SELECT c.base, c.name, row_number() OVER (PARTITION BY c.base ORDER BY c.k) AS idx
           FROM candidates c
          WHERE NOT EXISTS (SELECT 1 FROM "User" u WHERE u.username = c.name)
            AND NOT EXISTS (SELECT 1 FROM ${NAMES} n WHERE n.username = c.name)
            AND (c.k = 1 OR NOT EXISTS (SELECT 1 FROM groups o WHERE o.base = c.name))),
       proposed AS (
         SELECT p.line, f.name, row_number() OVER (PARTITION BY f.name ORDER BY p.line) AS claim
           FROM pending p JOIN free f ON f.base = p.base AND f.idx = p.rank)
       INSERT INTO ${NAMES} (line, username) SELECT line, name FROM proposed WHERE claim = 1`,
      [round],
    );
    unnamed -= named.rowCount ?? 0;
  }
  throw new OperationError(`could not find free usernames after ${MAX_ROUNDS} rounds; nothing was imported — report this as a bug`);
}
