/**
 * `npm run bench`: publish synthetic corpora of growing size to in-memory storage and report
 * time and memory per size, and the ratios between sizes. Figures from one run on a shared
 * machine are noisy; compare ratios, not absolute numbers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSeedFolder } from '../src/article/seed-folder.js';
import { loadFeedConfig } from '../src/config.js';
import { publish } from '../src/publish/publish.js';
import { MemoryStorage } from '../src/storage/memory.js';

const generator = resolve(process.argv[2] ?? '../shared/bench/gen-corpus.mjs');
if (!existsSync(generator)) {
  console.error(`corpus generator not found at ${generator}; pass its path as the first argument`);
  process.exit(2);
}
const sizes = (process.argv[3] ?? '1000,10000').split(',').map(Number);
const config = loadFeedConfig(JSON.parse(readFileSync('feed.config.json', 'utf8')), {});
const now = () => new Date('2030-01-01T00:00:00Z');

interface Row {
  articles: number;
  firstMs: number;
  republishMs: number;
  heapMiB: number;
  objects: number;
}

const rows: Row[] = [];
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'feed-bench-'));
  try {
    execFileSync(process.execPath, [generator, dir, String(size)], { stdio: 'ignore' });
    const files = await readSeedFolder(dir);
    const storage = new MemoryStorage();
    const deps = { storage, readSeeds: async () => files, config, cacheControl: 'max-age=300', now };
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let start = performance.now();
    const first = await publish(deps);
    const firstMs = performance.now() - start;
    const heapAfter = process.memoryUsage().heapUsed;
    start = performance.now();
    await publish(deps);
    const republishMs = performance.now() - start;
    rows.push({ articles: size, firstMs, republishMs, heapMiB: (heapAfter - heapBefore) / 2 ** 20, objects: first.objects.written });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('articles  first publish  unchanged republish  heap growth  objects written');
for (const row of rows) {
  console.log(
    `${String(row.articles).padStart(8)}  ${row.firstMs.toFixed(0).padStart(10)} ms  ${row.republishMs.toFixed(0).padStart(16)} ms  ` +
      `${row.heapMiB.toFixed(1).padStart(8)} MiB  ${String(row.objects).padStart(15)}`,
  );
}
for (let i = 1; i < rows.length; i++) {
  const [a, b] = [rows[i - 1]!, rows[i]!];
  console.log(
    `${b.articles}/${a.articles} articles (x${(b.articles / a.articles).toFixed(0)}): first publish x${(b.firstMs / a.firstMs).toFixed(1)}, ` +
      `republish x${(b.republishMs / a.republishMs).toFixed(1)}, heap x${(b.heapMiB / a.heapMiB).toFixed(1)}`,
  );
}
