// A worker thread of db:backup --jobs (copy-workers.ts starts it): one
// connection inside the backup's exported snapshot, COPYs one after another,
// each converted to JSON batches (with its row digest) handed to the main
// thread; at most IN_FLIGHT batches unacknowledged.
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import pg from "pg";
import { poolConfigFromUrl } from "../db.ts";
import { OperationError } from "../errors.ts";
import { copyOut } from "./copy-out.ts";
import { CopyRowsToJson } from "./copy-to-json.ts";
import type { FromWorker, ToWorker, WorkerInput } from "./copy-workers.ts";
import { createRowDigest } from "./row-digest.ts";
import { SESSION_SETTINGS } from "./snapshot.ts";
import { convertCopy, type JsonReceiver } from "./table-json.ts";

const IN_FLIGHT = 4;

/** The worker's side: one connection in the snapshot, tasks one after another. */
async function serve(port: MessagePort, input: WorkerInput): Promise<void> {
  const client = new pg.Client({ ...poolConfigFromUrl(input.url), application_name: "prisma-data-guard backup worker" });
  client.on("error", () => {});
  const fail = (error: unknown) =>
    port.postMessage({
      type: "failed",
      message: error instanceof Error ? error.message : String(error),
      operational: error instanceof OperationError,
    } satisfies FromWorker);
  try {
    await client.connect();
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query(`SET TRANSACTION SNAPSHOT '${input.snapshotId.replaceAll("'", "''")}'`);
    await client.query(SESSION_SETTINGS);
  } catch (error) {
    fail(new OperationError(`a backup worker could not join the backup's snapshot: ${(error as Error).message}`));
    process.exit(1);
  }
  let inFlight = 0;
  let flow: { resume(): void } | null = null;
  let paused = false;
  port.on("message", async (message: ToWorker) => {
    if (message.type === "ack") {
      inFlight--;
      if (paused && inFlight < IN_FLIGHT) {
        paused = false;
        flow?.resume();
      }
    } else if (message.type === "end") {
      await client.query("COMMIT").catch(() => {});
      await client.end().catch(() => {});
      port.close();
    } else {
      const { task } = message;
      inFlight = 0;
      paused = false;
      const digest = await createRowDigest();
      const converter = new CopyRowsToJson(task.label, task.columns, digest);
      const receiver: JsonReceiver = {
        deliver(batch) {
          // A batch owns its ArrayBuffer (ByteOutput allocates one per batch, above the Buffer pool's size): transfer it.
          port.postMessage({ type: "batch", bytes: batch.buffer as ArrayBuffer, length: batch.length, rows: converter.rows } satisfies FromWorker, [
            batch.buffer as ArrayBuffer,
          ]);
          inFlight++;
          paused = inFlight >= IN_FLIGHT;
          return !paused;
        },
      };
      const run = convertCopy(
        (sink) => copyOut(client, task.statement, sink),
        converter,
        receiver,
        task.label,
      );
      flow = run;
      try {
        const rows = await run.done;
        port.postMessage({ type: "done", rows, rowDigest: digest.value() } satisfies FromWorker);
      } catch (error) {
        fail(error);
      }
    }
  });
  port.postMessage({ type: "ready" } satisfies FromWorker);
}

if (!parentPort) throw new Error("copy-worker.worker.ts runs only as a worker thread (copy-workers.ts starts it)");
await serve(parentPort, workerData as WorkerInput);
