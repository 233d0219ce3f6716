// Preloaded into every process bench/run.mjs measures (`node --import <this file> script ...`):
// when the process exits, writes its peak resident set size in KiB to the file named by
// BENCH_RSS_FILE. A file rather than stdout, so the measured program's output stays untouched.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  // 'exit' also fires on process.exit() and after an uncaught exception, so every run reports.
  process.on('exit', () => writeFileSync(file, `${process.resourceUsage().maxRSS}\n`));
}
