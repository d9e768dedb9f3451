// The one alert path every script uses. An alert always reaches stderr, and a
// GitHub Actions annotation when running there. Alerts never carry credentials
// or personal data: every line goes through redactForLog.
import { redactForLog } from "./redact.ts";

export type AlertSeverity = "error" | "warning";

export interface Alert {
  severity: AlertSeverity;
  /** One line: what happened. */
  title: string;
  /** Further lines: the figures and what to do next. */
  details?: string[];
}

/** Escapes a GitHub Actions workflow-command message (%, CR, LF). */
function annotationMessage(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

export async function sendAlert(alert: Alert, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const title = redactForLog(alert.title);
  const details = (alert.details ?? []).map(redactForLog);
  process.stderr.write(`ALERT ${alert.severity}: ${title}\n${details.map((line) => `  ${line}\n`).join("")}`);
  if (env.GITHUB_ACTIONS === "true") {
    process.stdout.write(`::${alert.severity}::${annotationMessage([title, ...details].join("\n"))}\n`);
  }
}
