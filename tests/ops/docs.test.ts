// DATABASE.md is what on-call follows in an emergency: every `pnpm run …`
// line in its code blocks must name a real package.json script, and every
// --option it passes must be one that script's --help lists.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { before, describe, it } from "node:test";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { launchedScript } from "../../scripts/lib/cli.ts";
import { runScript } from "../helpers/cli.ts";

interface DocumentedCommand {
  line: string;
  script: string;
  options: string[];
}

/** `pnpm run <script> …` lines inside fenced code blocks. */
function documentedCommands(markdown: string): DocumentedCommand[] {
  const commands: DocumentedCommand[] = [];
  let fenced = false;
  for (const raw of markdown.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("```")) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) continue;
    for (const match of line.matchAll(/pnpm run ([\w:-]+)((?:\s+(?!&&|\||;|#)\S+)*)/g)) {
      const args = (match[2] ?? "").trim().split(/\s+/).filter(Boolean);
      commands.push({
        line,
        script: match[1]!,
        options: args.filter((arg) => /^--[a-z]/.test(arg)).map((arg) => arg.split("=")[0]!),
      });
    }
  }
  return commands;
}

describe("DATABASE.md commands", () => {
  let commands: DocumentedCommand[];
  let scripts: Record<string, string>;
  before(async () => {
    commands = documentedCommands(await readFile(path.join(PROJECT_ROOT, "DATABASE.md"), "utf8"));
    scripts = (JSON.parse(await readFile(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  });

  it("finds the documented commands (the extractor works)", () => {
    assert.ok(commands.length >= 20, `only ${commands.length} commands found`);
    assert.deepEqual(documentedCommands("```sh\nBACKUP_RETENTION=on pnpm run db:backup --gzip --kind=scheduled && echo ok\n```\npnpm run not-fenced\n"), [
      { line: "BACKUP_RETENTION=on pnpm run db:backup --gzip --kind=scheduled && echo ok", script: "db:backup", options: ["--gzip", "--kind"] },
    ]);
  });

  it("every `pnpm run …` names a package.json script", () => {
    const missing = [...new Set(commands.filter((c) => !scripts[c.script]).map((c) => c.script))];
    assert.deepEqual(missing, [], `DATABASE.md runs scripts that package.json lacks: ${missing.join(", ")}`);
  });

  it("every --option it passes is listed by that script's --help", async () => {
    const problems: string[] = [];
    const scriptNames = [...new Set(commands.map((c) => c.script))].filter((name) => launchedScript(scripts[name] ?? "") !== null);
    for (const name of scriptNames) {
      const help = await runScript(launchedScript(scripts[name]!)!, ["--help"]);
      assert.equal(help.code, 0, `${name} --help exits 0`);
      const used = new Set(commands.filter((c) => c.script === name).flatMap((c) => c.options));
      for (const option of used) {
        if (!new RegExp(`(^|[\\s,])${option}([\\s,=<\\[]|$)`, "m").test(help.stdout)) problems.push(`${name} ${option}`);
      }
    }
    assert.deepEqual(problems, [], `options in DATABASE.md that --help does not list: ${problems.join(", ")}`);
  });
});
