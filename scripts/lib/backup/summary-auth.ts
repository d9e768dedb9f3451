// The summary of an encrypted set is authenticated: an HMAC-SHA256 of the
// summary's content under a key derived (HKDF-SHA256, its own label) from the
// set's key, which comes from BACKUP_ENCRYPTION_KEY. Each table file's GCM
// tag already proves the file; the HMAC proves what only the summary says —
// which tables the set has, its migrations, sequence states, counts, checksums
// and row digests — so that someone who can write to the backup location but
// does not hold the key cannot drop a table from the set, move a sequence or
// rewrite a checksum unnoticed. An unencrypted set has no key to do this with:
// whoever can write its location can rewrite it whole (DATABASE.md says what
// such a set can and cannot prove).
//
// What is authenticated: the summary without its `authentication` field, as
// compact JSON (JSON.stringify keeps the key order JSON.parse read), so a
// reader recomputes it from the parsed file. Drill reports are authenticated
// the same way, under their own label (drill/report.ts).
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { SetKey } from "./encryption.ts";
import type { BackupSummary } from "./summary.ts";

export interface DocumentAuthentication {
  algorithm: "hmac-sha256";
  /** Hex. */
  value: string;
}

/** Set to 1 to read an encrypted set written before summaries were authenticated (it has no HMAC to check). */
export const UNAUTHENTICATED_SUMMARY_VARIABLE = "BACKUP_ALLOW_UNAUTHENTICATED_SUMMARY";

const HMAC_KEY_LABEL = "prisma-data-guard summary authentication";

/**
 * HMAC-SHA256 of a document (a summary, a drill report) without its
 * `authentication` field, as compact JSON, under a key derived from the set's
 * key with the document kind's own label.
 */
function hmacOf(document: { authentication?: unknown }, setKey: SetKey, label: string): Buffer {
  const { authentication: _ignored, ...content } = document;
  const key = Buffer.from(hkdfSync("sha256", setKey.key, Buffer.alloc(0), label, 32));
  return createHmac("sha256", key).update(JSON.stringify(content)).digest();
}

/** The `authentication` field a document about to be written gets (after every other field is final). */
export function authenticateDocument(document: { authentication?: unknown }, setKey: SetKey, label: string): DocumentAuthentication {
  return { algorithm: "hmac-sha256", value: hmacOf(document, setKey, label).toString("hex") };
}

/** Whether a document's `authentication` field holds its HMAC. */
export function documentAuthenticated(document: { authentication?: Partial<DocumentAuthentication> }, setKey: SetKey, label: string): boolean {
  const recorded = document.authentication;
  const expected = hmacOf(document, setKey, label);
  const actual = Buffer.from(typeof recorded?.value === "string" ? recorded.value : "", "hex");
  return recorded?.algorithm === "hmac-sha256" && actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function authenticateSummary(summary: BackupSummary, setKey: SetKey): DocumentAuthentication {
  return authenticateDocument(summary, setKey, HMAC_KEY_LABEL);
}

/** Why an encrypted set's summary cannot be trusted (one sentence), or null when its HMAC holds. */
export function summaryAuthenticationProblem(summary: BackupSummary, setKey: SetKey, env: NodeJS.ProcessEnv = process.env): string | null {
  const recorded = summary.authentication;
  if (!recorded) {
    if (env[UNAUTHENTICATED_SUMMARY_VARIABLE] === "1") return null;
    return (
      "the summary of this encrypted set carries no HMAC: it was edited (the HMAC removed), or written before summaries were authenticated " +
      `(to read such an older set, set ${UNAUTHENTICATED_SUMMARY_VARIABLE}=1)`
    );
  }
  if (!documentAuthenticated(summary, setKey, HMAC_KEY_LABEL)) {
    return "the summary failed authentication (its HMAC does not match): it was edited after the backup by someone without the key — do not use this set";
  }
  return null;
}
