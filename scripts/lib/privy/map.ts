// One export row -> the user to restore, or the reason it is rejected.
// Nothing personal goes into a reason or a note: wallets are masked, emails are only counted.
import { maskWallet, redactForLog } from "../redact.ts";
import type { ExportHeader } from "./export-format.ts";
import {
  cellValue, isEmail, isInvalid, isSolanaAddress, parseCreatedAt, parsePrivyDid, pickAccount, REJECTION,
  type AccountPick, type Invalid,
} from "./fields.ts";
import { usernameBase } from "./usernames.ts";

export interface MappedUser {
  line: number;
  privyDid: string;
  /** undefined: the export has no date for this user (the import time is used, and noted). */
  createdAt?: Date;
  email?: string;
  solanaWallet?: string;
  embeddedWallet?: string;
  usernameBase: string;
  /** Extra or invalid accounts that were not imported, for the report. */
  note?: string;
}

export interface RejectedRow extends Invalid {
  line: number;
  /** The ID cell as written (may be malformed), masked and cut to 40 characters, for finding the row. */
  rawId: string;
}

function describeExtras(column: string, pick: AccountPick, show: (value: string) => string): string | undefined {
  const parts: string[] = [];
  if (pick.others.length > 0) parts.push(`${pick.others.length} more ignored (${pick.others.map(show).join(", ")})`);
  if (pick.invalid > 0) parts.push(`${pick.invalid} invalid entr${pick.invalid === 1 ? "y" : "ies"} ignored`);
  return parts.length > 0 ? `${column}: used the first valid one, ${parts.join(", ")}` : undefined;
}

/** Picks a column's first valid account; a non-empty cell without one is a rejection. */
function account(
  cell: string,
  column: string,
  isValid: (value: string) => boolean,
  reason: Invalid["reason"],
  normalize?: (value: string) => string,
): AccountPick | Invalid {
  const pick = pickAccount(cell, isValid, normalize);
  if (cell !== "" && pick.value === undefined) return { reason, detail: `${column}: no valid entry` };
  return pick;
}

export function mapRow(record: string[], line: number, header: ExportHeader, now: Date): MappedUser | RejectedRow {
  const cell = (index: number | undefined) => (index === undefined ? "" : cellValue(record[index]));
  const rawId = cell(header.columns.id);
  // A malformed ID cell may hold anything, an email typed in the wrong column included.
  const reject = (invalid: Invalid): RejectedRow => ({ line, rawId: redactForLog(rawId).slice(0, 40), ...invalid });

  if (record.length !== header.names.length) {
    return reject({
      reason: REJECTION.fieldCount,
      detail: `expected ${header.names.length} fields, found ${record.length} (an unquoted delimiter inside a cell?)`,
    });
  }
  const privyDid = parsePrivyDid(rawId);
  if (isInvalid(privyDid)) return reject(privyDid);
  const createdAt = parseCreatedAt(cell(header.columns.createdAt), now);
  if (isInvalid(createdAt)) return reject(createdAt);

  const external = account(cell(header.columns.externalSolana), "External Solana accounts", isSolanaAddress, REJECTION.badSolana);
  if (isInvalid(external)) return reject(external);
  const embedded = account(cell(header.columns.embeddedSolana), "Embedded Solana accounts", isSolanaAddress, REJECTION.badSolana);
  if (isInvalid(embedded)) return reject(embedded);
  const email = account(cell(header.columns.email), "Email account", isEmail, REJECTION.badEmail, (value) => value.toLowerCase());
  if (isInvalid(email)) return reject(email);

  const notes = [
    describeExtras("External Solana accounts", external, maskWallet),
    describeExtras("Embedded Solana accounts", embedded, maskWallet),
    describeExtras("Email account", email, () => "***"),
    header.columns.createdAt !== undefined && createdAt === undefined ? "Created at is empty: the import time is used" : undefined,
  ].filter((note): note is string => note !== undefined);

  const user: MappedUser = {
    line,
    privyDid,
    createdAt,
    email: email.value,
    solanaWallet: external.value,
    embeddedWallet: embedded.value,
    usernameBase: "",
    note: notes.length > 0 ? notes.join("; ") : undefined,
  };
  user.usernameBase = usernameBase(user);
  return user;
}

export function isRejected(row: MappedUser | RejectedRow): row is RejectedRow {
  return "reason" in row;
}
