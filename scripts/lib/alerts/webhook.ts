// Delivers an alert to a Slack or Discord incoming webhook (ALERT_WEBHOOK_URL).
// One JSON body works for both: Slack reads `text`, Discord reads `content`
// and each ignores the other field. Delivery is bounded (a timeout per attempt,
// a few retries on network errors, 429 and 5xx) and never throws: the caller's
// failure stays the story, the webhook's own failure is returned to be reported.

export interface WebhookOptions {
  /** Per attempt. */
  timeoutMs: number;
  /** Extra attempts after the first. */
  retries: number;
  /** Wait before retry n is backoffMs * 2^(n-1). */
  backoffMs: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = { timeoutMs: 5000, retries: 2, backoffMs: 500 };

/** Upper bounds so a misconfigured environment cannot stall a failing job for long. */
const MAX_TIMEOUT_MS = 30_000;
const MAX_RETRIES = 5;
/** Discord rejects content longer than 2000 characters. */
const MAX_MESSAGE_LENGTH = 1900;

export interface WebhookResult {
  ok: boolean;
  attempts: number;
  /** Why delivery failed (never contains the webhook URL: its path is a secret). */
  problem?: string;
}

/** Timeout and retries from ALERT_WEBHOOK_TIMEOUT_MS / ALERT_WEBHOOK_RETRIES, clamped to safe bounds. */
export function webhookOptionsFromEnv(env: NodeJS.ProcessEnv): WebhookOptions {
  const number = (value: string | undefined, fallback: number, max: number) => {
    const parsed = Number(value);
    return value !== undefined && value !== "" && Number.isInteger(parsed) && parsed >= 0 ? Math.min(parsed, max) : fallback;
  };
  return {
    timeoutMs: Math.max(1, number(env.ALERT_WEBHOOK_TIMEOUT_MS, DEFAULT_WEBHOOK_OPTIONS.timeoutMs, MAX_TIMEOUT_MS)),
    retries: number(env.ALERT_WEBHOOK_RETRIES, DEFAULT_WEBHOOK_OPTIONS.retries, MAX_RETRIES),
    backoffMs: DEFAULT_WEBHOOK_OPTIONS.backoffMs,
  };
}

export function webhookBody(message: string): { text: string; content: string } {
  const bounded = message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;
  return { text: bounded, content: bounded };
}

/** How an error names the webhook: scheme and host only. */
export function describeWebhook(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return "an invalid URL";
  }
}

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

export async function postToWebhook(url: string, message: string, options: WebhookOptions): Promise<WebhookResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, attempts: 0, problem: "ALERT_WEBHOOK_URL is not a valid URL" };
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") {
    return { ok: false, attempts: 0, problem: `ALERT_WEBHOOK_URL must be an http(s) URL (got ${target.protocol}//)` };
  }
  const body = JSON.stringify(webhookBody(message));
  let problem = "";
  const attempts = options.retries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, options.backoffMs * 2 ** (attempt - 2)));
    try {
      const response = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        redirect: "error",
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      // Drain the body so the connection is released; its content is not needed.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { ok: true, attempts: attempt };
      problem = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
      if (!retryable(response.status)) return { ok: false, attempts: attempt, problem };
    } catch (error) {
      problem = describeFetchError(error, options.timeoutMs);
    }
  }
  return { ok: false, attempts, problem };
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  // fetch wraps the network error (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
