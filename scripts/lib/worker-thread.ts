// Starts a worker thread from the module `<name>.worker.ts` beside the caller.
// The build (tools/build.mjs) bundles every *.worker.ts beside the commands
// as <name>.worker.js, so from a built chunk it is that file; from the
// TypeScript sources (tests, tsx) the thread registers tsx's loader first,
// because a worker does not inherit a loader registered at run time.
import { Worker } from "node:worker_threads";

/** `callerUrl` is the caller's import.meta.url. */
export function startWorkerThread(callerUrl: string, name: string, workerData?: unknown): Worker {
  if (!callerUrl.endsWith(".ts")) return new Worker(new URL(`./${name}.worker.js`, callerUrl), { workerData });
  const source = new URL(`./${name}.worker.ts`, callerUrl).href;
  const loader = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(code, { eval: true, workerData });
}
