// @ts-check
// `node tools/run.mjs <command> [args…]` — what every `pnpm run db:*` runs:
// scripts/<command>.ts from its build in dist/, in this process. Before it
// starts the command it checks that the build is the build of the sources on
// disk (a few stat calls, tools/build-state.mjs) and rebuilds when it is not,
// so a command never runs stale code after a git pull or an edit. When the
// rebuild fails it says why in one line and exits 2, running nothing.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { commandNames, entryPath, readBuildState, staleReason } from "./build-state.mjs";

const EXIT_USAGE = 2;
const root = path.resolve(import.meta.dirname, "..");
const [command, ...args] = process.argv.slice(2);
const commands = commandNames(root);

if (!command || !commands.includes(command)) {
  const problem = command ? `there is no scripts/${command}.ts` : "no command given";
  process.stderr.write(`error: ${problem}; usage: node tools/run.mjs <command> [args…] with one of ${commands.join(", ")}\n`);
  process.exit(EXIT_USAGE);
}

let state = readBuildState(root);
const reason = staleReason(root, state, commands);
if (reason) {
  try {
    ({ state } = await (await import("./build.mjs")).build(root));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `error: the build of scripts/ in dist/ is out of date (${reason}) and rebuilding it failed: ${why} — ` +
        "nothing was run; fix that (pnpm install if esbuild is missing) and run the command again.\n",
    );
    process.exit(EXIT_USAGE);
  }
}

// Stack traces (DEBUG=1) then name the TypeScript sources rather than the bundle.
if (process.env.DEBUG) process.setSourceMapsEnabled(true);
const entry = entryPath(root, /** @type {import("./build-state.mjs").BuildState} */ (state), command);
process.argv = [process.argv[0] ?? process.execPath, entry, ...args];
await import(pathToFileURL(entry).href);
