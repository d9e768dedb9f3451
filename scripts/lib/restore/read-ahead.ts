// A table's COPY data read and converted before its COPY can start: while the
// server builds the previous table's indexes (index-rebuild.ts), the client —
// idle until then — reads, checks and converts the next file into memory, up
// to a limit, so that its COPY starts with data waiting. Nothing is lost if
// the work stops early: cancel() ends the read, and an error of the read is
// thrown to whoever takes the batches, as the unbuffered stream would throw it.
import type { EncodedBatch } from "./copy-encoders.ts";

export interface ReadAhead extends AsyncIterable<EncodedBatch> {
  /** Stops reading (the batches not taken are dropped); safe to call at any time. */
  cancel(): Promise<void>;
}

/**
 * The memory a batch holds: its whole allocation, which an encoder reserves
 * generously (a binary batch's can be twice its bytes), not only its bytes.
 */
const heldBy = (batch: EncodedBatch) => batch.text.buffer.byteLength;

/** Starts taking `source` now, holding at most about `limitBytes` of it until it is iterated (once). */
export function readAhead(source: AsyncIterable<EncodedBatch>, limitBytes: number): ReadAhead {
  const iterator = source[Symbol.asyncIterator]();
  const held: EncodedBatch[] = [];
  let heldBytes = 0;
  let ended = false;
  let failure: { error: unknown } | null = null;
  let cancelled = false;
  // Whoever waits — the pump for room, the reader for a batch — is woken by the other.
  let wake: (() => void) | null = null;
  const waitForChange = () => new Promise<void>((resolve) => (wake = resolve));
  const notify = () => {
    wake?.();
    wake = null;
  };

  const pumped = (async () => {
    try {
      while (!cancelled) {
        while (heldBytes >= limitBytes && !cancelled) await waitForChange();
        if (cancelled) break;
        const next = await iterator.next();
        if (next.done) break;
        held.push(next.value);
        heldBytes += heldBy(next.value);
        notify();
      }
    } catch (error) {
      failure = { error };
    } finally {
      ended = true;
      notify();
    }
  })();

  const cancel = async () => {
    cancelled = true;
    notify();
    await pumped;
    await iterator.return?.();
  };

  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const batch = held.shift();
          if (batch) {
            heldBytes -= heldBy(batch);
            notify();
            yield batch;
            continue;
          }
          if (failure) throw failure.error;
          if (ended) return;
          await waitForChange();
        }
      } finally {
        // Left early (the COPY failed): the read stops too.
        if (!ended) await cancel();
      }
    },
    cancel,
  };
}
