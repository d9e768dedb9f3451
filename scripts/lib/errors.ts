// Error classes that carry the exit code the CLI conventions promise:
// 1 = the operation failed, 2 = usage or configuration error; and the one-line
// description of a database error (pg's error shape, without importing pg:
// every command's error path passes through here).

export class UsageError extends Error {
  readonly exitCode = 2;
  override name = "UsageError";
}

export class ConfigError extends Error {
  readonly exitCode = 2;
  override name = "ConfigError";
}

/** A failure the user can act on; its message is the whole story (no stack). */
export class OperationError extends Error {
  readonly exitCode = 1;
  override name = "OperationError";
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof OperationError) {
    return error.exitCode;
  }
  return 1;
}

interface PgLikeError {
  code?: string;
  message?: string;
  address?: string;
  port?: number;
}

const PG_ERROR_HINTS: Record<string, string> = {
  ECONNREFUSED: "is the server running and DATABASE_URL's host and port right?",
  ENOTFOUND: "DATABASE_URL's host name does not resolve; check it.",
  ETIMEDOUT: "the server did not answer; check DATABASE_URL's host, port and firewall.",
  "28P01": "wrong password for DATABASE_URL's user; fix the password in DATABASE_URL.",
  "28000": "the server refused this user; check DATABASE_URL's user and pg_hba.conf.",
  "3D000": "the database in DATABASE_URL does not exist; create it or fix the name.",
  "42501": "the database user lacks a permission this command needs; grant it or use another user.",
  "57P01": "the server shut down the connection (restart or admin command); retry when it is back.",
};

/** One line saying what went wrong and what to do; database errors get a hint. */
export function describeDatabaseError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const pgError = error as PgLikeError & Error;
  const hint = pgError.code ? PG_ERROR_HINTS[pgError.code] : undefined;
  const message = (error.message || error.name).split("\n")[0] ?? "";
  if (!hint) return message;
  const where = pgError.address ? ` (${pgError.address}${pgError.port ? `:${pgError.port}` : ""})` : "";
  return `${message}${where} — ${hint}`;
}
