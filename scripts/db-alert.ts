// `pnpm run db:alert`: sends one alert through the project's alert path
// (stderr, GitHub annotation, ALERT_WEBHOOK_URL). Used by the nightly workflow
// when a step fails before any script could alert, and by on-call to test the
// webhook configuration.
import { defineCommand, runCli } from "./lib/cli.ts";
import { sendAlert, type AlertSeverity } from "./lib/alerts.ts";
import { UsageError } from "./lib/errors.ts";

function severity(value: string): AlertSeverity {
  if (value !== "error" && value !== "warning") throw new UsageError(`--severity must be error or warning (got "${value}")`);
  return value;
}

const program = defineCommand("db:alert", "Send an alert to stderr, GitHub annotations and ALERT_WEBHOOK_URL (exit 0 even if the webhook fails)")
  .requiredOption("--title <text>", "one line: what happened")
  .option("--severity <level>", "error or warning", "error")
  .option("--detail <text>", "a further line (repeatable)", (value: string, previous: string[]) => [...previous, value], [] as string[])
  .addHelpText(
    "after",
    "\nWebhook: ALERT_WEBHOOK_URL (Slack or Discord incoming webhook), ALERT_WEBHOOK_TIMEOUT_MS (5000), ALERT_WEBHOOK_RETRIES (2).\n" +
      "Exit codes: 0 sent (a failing webhook is reported on stderr), 2 usage error.",
  );

await runCli(async () => {
  program.parse();
  const options = program.opts<{ title: string; severity: string; detail: string[] }>();
  await sendAlert({ severity: severity(options.severity), title: options.title, details: options.detail });
});
