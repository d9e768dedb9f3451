// Preloaded into the Prisma CLI (NODE_OPTIONS=--require). The Wasm schema
// engine arms a 10,000 ms setTimeout that it never clears, so `migrate deploy`
// lingers ~10 s after its work is done. Long timers are unref'd: they still
// fire if the process is alive for another reason, but never keep it alive.
"use strict";
const LONG_TIMER_MS = 10_000;
const originalSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = function setTimeoutUnrefLong(callback, delay, ...args) {
  const timer = originalSetTimeout(callback, delay, ...args);
  if (typeof delay === "number" && delay >= LONG_TIMER_MS && timer && typeof timer.unref === "function") timer.unref();
  return timer;
};
