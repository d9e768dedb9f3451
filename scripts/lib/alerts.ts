// The one alert path every script uses. An alert always reaches stderr, a
// GitHub Actions annotation when running there, and the team's chat when
// ALERT_WEBHOOK_URL is set (Slack or Discord incoming webhook). Alerts never
// carry credentials or personal data: every line goes through redactForLog.
// A failing webhook is reported on stderr and never throws, so it can neither
// hide the failure being alerted about nor change the command's exit code.
import { redactForLog } from "./redact.ts";
import { describeWebhook, postToWebhook, webhookOptionsFromEnv, type WebhookOptions } from "./alerts/webhook.ts";

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

/** The chat message: severity, title, details, and where it came from. */
function chatMessage(severity: AlertSeverity, title: string, details: string[], env: NodeJS.ProcessEnv): string {
  const icon = severity === "error" ? "🔴" : "🟠";
  const source = env.GITHUB_ACTIONS === "true" && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
    ? [`run: ${env.GITHUB_SERVER_URL ?? "https://github.com"}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`]
    : [];
  return [`${icon} [prisma-data-guard] ${severity}: ${title}`, ...details, ...source].join("\n");
}

export async function sendAlert(
  alert: Alert,
  env: NodeJS.ProcessEnv = process.env,
  webhookOptions: WebhookOptions = webhookOptionsFromEnv(env),
): Promise<void> {
  const title = redactForLog(alert.title);
  const details = (alert.details ?? []).map(redactForLog);
  process.stderr.write(`ALERT ${alert.severity}: ${title}\n${details.map((line) => `  ${line}\n`).join("")}`);
  if (env.GITHUB_ACTIONS === "true") {
    process.stdout.write(`::${alert.severity}::${annotationMessage([title, ...details].join("\n"))}\n`);
  }
  const webhookUrl = env.ALERT_WEBHOOK_URL?.trim();
  if (webhookUrl) {
    const delivery = await postToWebhook(webhookUrl, chatMessage(alert.severity, title, details, env), webhookOptions);
    if (!delivery.ok) {
      process.stderr.write(
        `warning: the alert above could not be delivered to ALERT_WEBHOOK_URL (${describeWebhook(webhookUrl)}): ` +
          `${delivery.problem} after ${delivery.attempts} attempt(s); check the webhook URL and the chat service's status.\n`,
      );
    }
  }
}
