// Usernames that satisfy the app's rule (3–20 characters of [a-z0-9_]), derived
// deterministically: from the email's local part, else the wallet, else the
// Privy id. Collisions with the database and inside the file are resolved in
// PostgreSQL, a few set-based passes for all rows at once (never a query per name).
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

/** Shorter than 20 by enough for "_" and 7 digits: every family name fits the rule. */
const FAMILY_LENGTH = 12;
const MAX_ROUNDS = 20;

// Rows are grouped by base (or family) and numbered by line: the text is only compared for equality, so the
// names do not depend on the database's collation, and the sorts use COLLATE "C" (byte order: abbreviated keys,
// no strcoll per comparison).
const UNNAMED = `SELECT line, username_base AS base FROM ${STAGING} s
                  WHERE outcome IS NULL AND NOT EXISTS (SELECT 1 FROM ${NAMES} n WHERE n.line = s.line)`;
const FREE = `NOT EXISTS (SELECT 1 FROM "User" u WHERE u.username = c.name)
              AND NOT EXISTS (SELECT 1 FROM ${NAMES} n WHERE n.username = c.name)`;

/**
 * First pass: rows sharing a base take, in file order, the base, base_2, base_3, …
 * (shortened to 20 characters) that no user, no named row and no other row's
 * base holds. Two bases shortened to the same name: the earlier line wins, the
 * other waits for the family pass. A base of n rows tries names 1..n: one
 * candidate per row, numbered by its rank (no generate_series per base).
 */
const BASE_PASS = `
  WITH pending AS (
    SELECT line, base, row_number() OVER (PARTITION BY base COLLATE "C" ORDER BY line) AS rank FROM (${UNNAMED}) u),
  candidates AS (
    SELECT base, rank AS k, CASE WHEN rank = 1 THEN base
                                 ELSE rtrim(left(base, ${MAX_LENGTH} - length('_' || rank::text)), '_') || '_' || rank::text END AS name
      FROM pending),
  free AS (
    SELECT c.base, c.name, row_number() OVER (PARTITION BY c.base COLLATE "C" ORDER BY c.k) AS idx FROM candidates c
     WHERE ${FREE} AND (c.k = 1 OR NOT EXISTS (SELECT 1 FROM pending o WHERE o.base = c.name))),
  proposed AS (
    SELECT p.line, f.name, row_number() OVER (PARTITION BY f.name COLLATE "C" ORDER BY p.line) AS claim
      FROM pending p JOIN free f ON f.base = p.base AND f.idx = p.rank)
  INSERT INTO ${NAMES} (line, username) SELECT line, name FROM proposed WHERE claim = 1`;

/**
 * Later passes, for the rows still unnamed: rows whose bases share the first 12
 * characters form a family and take family_2, family_3, … in file order. Names of
 * different families can never be equal (the part after the last "_" is the
 * number), so a pass only competes with existing names; the window doubles each pass.
 */
const FAMILY_PASS = `
  WITH pending AS (
    SELECT line, family, row_number() OVER (PARTITION BY family COLLATE "C" ORDER BY line) AS rank
      FROM (SELECT line, rtrim(left(base, ${FAMILY_LENGTH}), '_') AS family FROM (${UNNAMED}) u) f),
  families AS (SELECT family, count(*) AS n FROM pending GROUP BY family),
  candidates AS (
    SELECT f.family, k, f.family || '_' || k::text AS name
      FROM families f, generate_series(2, (f.n * 2 ^ $1::int + 1)::int) AS k),
  free AS (
    SELECT c.family, c.name, row_number() OVER (PARTITION BY c.family COLLATE "C" ORDER BY c.k) AS idx FROM candidates c
     WHERE ${FREE} AND length(c.name) <= ${MAX_LENGTH})
  INSERT INTO ${NAMES} (line, username)
  SELECT p.line, f.name FROM pending p JOIN free f ON f.family = p.family AND f.idx = p.rank`;

/**
 * Names every staged row to import (outcome NULL) in ${NAMES}: one base pass,
 * then family passes until every row has a name (usually none are needed).
 * Set-based: one statement per pass for all rows. Returns the number of passes.
 */
export async function assignUsernames(client: pg.PoolClient): Promise<number> {
  const toName = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${STAGING} WHERE outcome IS NULL`);
  let unnamed = toName.rows[0]?.n ?? 0;
  for (let pass = 0; pass < MAX_ROUNDS; pass++) {
    if (unnamed === 0) return pass;
    const named = pass === 0 ? await client.query(BASE_PASS) : await client.query(FAMILY_PASS, [pass - 1]);
    unnamed -= named.rowCount ?? 0;
  }
  throw new OperationError(`could not find free usernames after ${MAX_ROUNDS} passes; nothing was imported — report this as a bug`);
}
