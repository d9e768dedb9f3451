// Referral codes: random (nanoid, a cryptographically secure generator), in an
// alphabet without look-alikes (no 0/O, 1/I/L), unique against the database and
// within the import.
import { customAlphabet } from "nanoid";
import type pg from "pg";
import { OperationError } from "../errors.ts";
import { STAGING } from "./staging.ts";

export const REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const REFERRAL_LENGTH = 10;

/** 31^10 ≈ 8·10^14 codes (~49 bits): not guessable, still easy to read out and type. */
export const newReferralCode: () => string = customAlphabet(REFERRAL_ALPHABET, REFERRAL_LENGTH);

const MAX_ROUNDS = 10;

/**
 * Replaces the codes of staged rows to import (outcome NULL) that clash with an
 * existing user's code or an earlier staged row's code, until none clash.
 * Returns how many codes were replaced.
 */
export async function ensureUniqueReferralCodes(
  client: pg.PoolClient,
  generate: () => string = newReferralCode,
): Promise<number> {
  let replaced = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // Hash joins, no sort of the codes: a code already held by a user, or repeated in the file after its first line.
    const clashes = await client.query<{ line: number }>(
      `WITH codes AS (SELECT line, referral_code FROM ${STAGING} WHERE outcome IS NULL)
       SELECT line FROM codes c WHERE EXISTS (SELECT 1 FROM "User" u WHERE u."referralCode" = c.referral_code)
       UNION
       SELECT c.line FROM codes c
         JOIN (SELECT referral_code, min(line) AS first_line FROM codes GROUP BY referral_code HAVING count(*) > 1) r
           ON r.referral_code = c.referral_code AND c.line > r.first_line`,
    );
    if (clashes.rowCount === 0) return replaced;
    const lines = clashes.rows.map((row) => row.line);
    await client.query(
      `UPDATE ${STAGING} s SET referral_code = v.code
         FROM unnest($1::int[], $2::text[]) AS v(line, code) WHERE s.line = v.line`,
      [lines, lines.map(() => generate())],
    );
    replaced += lines.length;
  }
  throw new OperationError(`referral codes kept clashing after ${MAX_ROUNDS} rounds; nothing was imported — report this as a bug`);
}
