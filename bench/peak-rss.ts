// Preloaded (node --import) into a benchmarked child process: on exit, writes the
// process's peak resident set size in kilobytes (getrusage ru_maxrss) to
// $PDG_PEAK_RSS_FILE. The child measures itself, so no sampling can miss a peak.
import { writeFileSync } from "node:fs";

const file = process.env.PDG_PEAK_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
