// Error classes that carry the exit code the CLI conventions promise:
// 1 = the operation failed, 2 = usage or configuration error.

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
