#!/usr/bin/env node
// `npm run bench`: our CLI against a hand-rolled baseline (bench/naive.mjs), in the same run, on
// generated corpora. Every scenario is a whole child process, timed from here and with its peak
// RSS reported by bench/peak-rss.mjs. Prints one Markdown table (paste it into the README), the
// targets with ✓ / ✗, and any extra sections from the hook at the bottom. Progress goes to
// stderr, so stdout is only the report.
//
//   node bench/run.mjs [--generator PATH] [--sizes 1000,10000] [--runs 3] [--cli build|dist|src|FILE]
//                      [--no-cold-start] [--requests-size N] [--keep]
//
//   --generator      the corpus generator (default: ../shared/bench/gen-corpus.mjs, from the repo root)
//   --sizes          corpus sizes in articles; CI can use --sizes 200
//   --runs           repetitions per scenario; each figure is the median
//   --cli            what runs as "our CLI": build (default) bundles src/cli.ts now with
//                    `node scripts/build.mjs cli` into a temp folder, so the figures are always for
//                    the current source; dist = the dist/cli/index.mjs already there; src =
//                    src/cli.ts through tsx (adds about 0.25 s and 35 MiB of TypeScript compiling
//                    to every run); or the path of any .mjs/.js entry point taking the same arguments
//   --no-cold-start  skip the cold-start section (it bundles the Lambda and runs `serverless package`)
//   --requests-size  corpus size for the S3 request counts (bench/requests.ts); default the largest
//                    of --sizes, at most 2000 (s3rver gets slow at 10,000 objects); 0 skips them
//   --keep           keep the temp folders (corpora and outputs) and print where they are
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '..');
const peakRss = join(benchDir, 'peak-rss.mjs');
const naiveScript = join(benchDir, 'naive.mjs');
const floorsScript = join(benchDir, 'floors.mjs');

// ---- What "our CLI" is; change here when the entry point moves. ----
const CLI_COMMANDS = {
  build: { nodeArgs: [], script: 'cli/index.mjs', build: true },
  dist: { nodeArgs: [], script: 'dist/cli/index.mjs' },
  src: { nodeArgs: ['--import', 'tsx'], script: 'src/cli.ts' },
};
// A fixed clock: no article is held as "in the future", and two runs over the same seeds see the
// same instant, so an unchanged rebuild is unchanged for the clock too.
const BENCH_NOW = '2100-01-01T00:00:00Z';
const cliArgs = (seeds, out) => ['build', '--seeds', seeds, '--out', out, '--now', BENCH_NOW];

// ---- The issue's targets: wall time and peak RSS as ratios to the naive script. ----
const TARGETS = { unchangedTime: 0.5, unchangedRss: 0.5, firstTime: 2, addedTime: 0.5, rssGrowth: 1.3 };

// Set once the arguments are checked. Removed on any exit, an uncaught error included, unless --keep.
let tmpRoot;
process.on('exit', () => {
  if (tmpRoot && !options.keep) rmSync(tmpRoot, { recursive: true, force: true });
});

const { values: options } = parseArgs({
  options: {
    generator: { type: 'string' },
    sizes: { type: 'string', default: '1000,10000' },
    runs: { type: 'string', default: '3' },
    cli: { type: 'string', default: 'build' },
    'no-cold-start': { type: 'boolean', default: false },
    'requests-size': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const generator = options.generator ? resolve(options.generator) : resolve(repoRoot, '../shared/bench/gen-corpus.mjs');
const sizes = options.sizes.split(',').map((s) => Number(s.trim()));
const runs = Number(options.runs);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1) {
  fail('--sizes wants whole numbers like 1000,10000 and --runs a whole number ≥ 1');
}
// Uploading the seeds and the first publish cost an upload, a GET and a PUT per article against
// s3rver, which gets slow past a few thousand objects; the counts that matter (no seed read when
// nothing changed, one when one is added) need no bigger corpus.
const requestsSize = options['requests-size'] !== undefined ? Number(options['requests-size']) : Math.min(Math.max(...sizes), 2000);
if (!Number.isInteger(requestsSize) || (requestsSize !== 0 && requestsSize < 5)) {
  fail('--requests-size wants a whole number ≥ 5 (deleting 1 of fewer trips the unpublish guard), or 0 to skip');
}
if (!existsSync(generator)) fail(`corpus generator not found at ${generator}; pass --generator PATH`);

tmpRoot = mkdtempSync(join(os.tmpdir(), 'feed-bench-'));
const chosen = CLI_COMMANDS[options.cli] ?? { nodeArgs: [], script: resolve(options.cli) };
let cli = chosen;
let cliLabel;
if (chosen.build) {
  // The same bundle `npm run cli` runs, built from the source as it is now, outside dist/.
  progress('bundling the CLI (node scripts/build.mjs cli)');
  const bundleDir = join(tmpRoot, 'bundle');
  const child = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--quiet', '--outdir', bundleDir, 'cli'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (child.status !== 0) fail(`could not bundle the CLI with scripts/build.mjs:\n${child.stderr}${child.stdout}`);
  cli = { nodeArgs: [], script: join(bundleDir, chosen.script) };
  cliLabel = `\`node dist/cli/index.mjs ${cliArgs('SEEDS', 'OUT').join(' ')}\` (bundled from the current source by \`node scripts/build.mjs cli\`, into a temp folder)`;
} else {
  const script = relative(repoRoot, resolve(repoRoot, chosen.script));
  cliLabel = `\`node ${[...chosen.nodeArgs, script.startsWith('..') ? resolve(repoRoot, chosen.script) : script, ...cliArgs('SEEDS', 'OUT')].join(' ')}\``;
}
if (!existsSync(resolve(repoRoot, cli.script))) {
  fail(
    `${cli.script} does not exist${options.cli === 'dist' ? ': run `node scripts/build.mjs cli` first, or leave --cli out to bundle it now' : ''}`,
  );
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}
function progress(line) {
  process.stderr.write(`${line}\n`);
}

/** Runs one node script as a child process: wall time (ms) around the spawn, its peak RSS (KiB) and its stdout. */
function measure(what, nodeArgs, script, args) {
  const rssFile = join(tmpRoot, 'peak-rss');
  const start = performance.now();
  const child = spawnSync(process.execPath, [...nodeArgs, '--import', pathToFileURL(peakRss).href, script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, BENCH_RSS_FILE: rssFile },
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  const ms = performance.now() - start;
  if (child.error || child.status !== 0) {
    fail(`${what} failed (${child.error?.message ?? `exit ${child.status ?? child.signal}`}):\n${child.stderr}${child.stdout}`);
  }
  const kib = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
  rmSync(rssFile, { force: true });
  return { ms, kib, stdout: child.stdout };
}

/** Every file under a folder with its size and mtime, to count what a run wrote. */
function snapshot(dir) {
  const files = new Map();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    const stat = statSync(path);
    files.set(path, `${stat.size}:${stat.mtimeMs}`);
  }
  return files;
}
/** Files created, rewritten or removed between two snapshots. */
function written(before, after) {
  let count = 0;
  for (const [path, stamp] of after) if (before.get(path) !== stamp) count++;
  for (const path of before.keys()) if (!after.has(path)) count++;
  return count;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const summarize = (samples, extra = {}) => ({ ms: median(samples.map((s) => s.ms)), kib: median(samples.map((s) => s.kib)), ...extra });
/**
 * The median of the ratios of each sample to the naive run made just before it: the rebuilds'
 * ratios are within a few per cent of 0.5, and scenarios measured one block after the other
 * would move with any change in the machine's load between the blocks.
 */
const pairedWithNaive = (samples, naiveSamples) => ({
  ms: median(samples.map((s, i) => s.ms / naiveSamples[i].ms)),
  kib: median(samples.map((s, i) => s.kib / naiveSamples[i].kib)),
});

function generate(dir, size, format = 'seed') {
  const child = spawnSync(process.execPath, [generator, dir, String(size), '--format', format], { encoding: 'utf8' });
  if (child.status !== 0) fail(`corpus generator failed:\n${child.stderr}`);
}

/** The newest `date YYYY-MM-DD` among the seeds, so an added article can be dated after it. */
function newestSeedDate(seeds) {
  let newest = '0000-00-00';
  for (const name of readdirSync(seeds)) {
    const date = /date\s+(\d{4}-\d{2}-\d{2})/.exec(readFileSync(join(seeds, name), 'utf8').slice(0, 200))?.[1];
    if (date && date > newest) newest = date;
  }
  return newest;
}
const addDays = (isoDate, days) => new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Writes one new article, dated `days` after `newest`; returns its title, unique in the corpus. */
function addArticle(seeds, newest, days) {
  const date = addDays(newest, days);
  const title = `Bench Added Article ${days} of ${date}`;
  const body = [
    `date ${date} ${title}`,
    'A new article appears in the seeds folder; only what depends on it should be rebuilt.',
    'The index page, the three feeds and this article’s own page change. Every other article page stays as it was.',
  ].join('\n\n');
  writeFileSync(join(seeds, `${date}-bench-added-article-${days}.txt`), `${body}\n`);
  return title;
}

const results = [];
const notes = [];
/** What the bench found broken (not slow): printed, and the bench exits with 1. */
const broken = [];

for (const size of sizes) {
  const dir = join(tmpRoot, String(size));
  const seeds = join(dir, 'seeds');
  progress(`${size} articles: generating corpus`);
  generate(seeds, size);
  const row = { size };

  // 1. The naive script, into a fresh folder each time.
  const naiveRun = () => {
    const out = join(dir, 'naive');
    const sample = measure('naive script', [], naiveScript, [seeds, out]);
    rmSync(out, { recursive: true, force: true });
    return sample;
  };
  const naive = Array.from({ length: runs }, naiveRun);
  row.naive = summarize(naive);
  progress(`  naive            ${row.naive.ms.toFixed(0)} ms`);

  // 2. First full publish, each time to an empty folder; the first one's output is kept for 3 and 4.
  const base = join(dir, 'out');
  const first = [];
  const firstWritten = [];
  for (let i = 0; i < runs; i++) {
    const out = i === 0 ? base : join(dir, `first-${i}`);
    first.push(measure('first publish', cli.nodeArgs, cli.script, cliArgs(seeds, out)));
    firstWritten.push(snapshot(out).size);
    if (i > 0) rmSync(out, { recursive: true, force: true });
  }
  row.first = summarize(first, { written: median(firstWritten) });
  progress(`  first publish    ${row.first.ms.toFixed(0)} ms, ${row.first.written} files`);

  // 3. Rebuild with nothing changed, on the published folder; counting the files each run
  //    touched shows whether it really found nothing to do.
  //    Each run follows a naive run of its own: its ratio is taken pair by pair (pairedWithNaive).
  const unchanged = [];
  const unchangedNaive = [];
  const unchangedWritten = [];
  for (let i = 0; i < runs; i++) {
    unchangedNaive.push(naiveRun());
    const before = snapshot(base);
    unchanged.push(measure('unchanged rebuild', cli.nodeArgs, cli.script, cliArgs(seeds, base)));
    unchangedWritten.push(written(before, snapshot(base)));
  }
  row.unchanged = summarize(unchanged, {
    written: median(unchangedWritten),
    writtenEach: unchangedWritten,
    vsNaive: pairedWithNaive(unchanged, unchangedNaive),
  });
  progress(`  unchanged        ${row.unchanged.ms.toFixed(0)} ms, ${unchangedWritten.join('/')} files written`);

  // 4. One article added: each repetition adds one more, newer than everything, to the same
  //    folder (so each run sees exactly one new article; the corpus grows by one per run).
  const newest = newestSeedDate(seeds);
  const added = [];
  const addedNaive = [];
  const addedWritten = [];
  const missing = [];
  for (let i = 0; i < runs; i++) {
    const title = addArticle(seeds, newest, i + 1);
    addedNaive.push(naiveRun());
    const before = snapshot(base);
    added.push(measure('one-added rebuild', cli.nodeArgs, cli.script, cliArgs(seeds, base)));
    addedWritten.push(written(before, snapshot(base)));
    const rss = join(base, 'rss.xml');
    if (!existsSync(rss) || !readFileSync(rss, 'utf8').includes(title)) missing.push(title);
  }
  row.added = summarize(added, { written: median(addedWritten), writtenEach: addedWritten, vsNaive: pairedWithNaive(added, addedNaive) });
  progress(`  one added        ${row.added.ms.toFixed(0)} ms, ${addedWritten.join('/')} files written`);
  // Either means the incremental path is broken, whatever the timings say: the bench fails.
  if (unchangedWritten.some((n) => n > 0)) {
    broken.push(`at ${size}: the rebuild with nothing changed still wrote files (${unchangedWritten.join('/')} per run)`);
  }
  if (missing.length > 0) broken.push(`at ${size}: the added article is not in OUT/rss.xml after the rebuild (${missing.join('; ')})`);

  row.floors = floors(dir, seeds, base);
  row.hugo = hugoBuild(dir, size);
  results.push(row);
  if (!options.keep) rmSync(dir, { recursive: true, force: true });
}

// ---- What the missed targets cannot go below here (bench/floors.mjs), on the folder published above. ----
function floors(dir, seeds, site) {
  const repeat = (what, nodeArgs, script, args, after = () => {}) =>
    summarize(
      Array.from({ length: runs }, (_, i) => {
        const sample = measure(what, nodeArgs, script, args(i));
        after(i);
        return sample;
      }),
    );
  const copy = repeat(
    'copying the published site',
    [],
    floorsScript,
    (i) => ['copy', site, join(dir, `copy-${i}`)],
    (i) => rmSync(join(dir, `copy-${i}`), { recursive: true, force: true }),
  );
  const state = repeat('listing both folders and parsing the manifest', [], floorsScript, () => ['state', seeds, site]);
  const listing = repeat('listing both folders', [], floorsScript, () => ['listing', seeds, site]);
  // Timed inside the process: the package's rendering alone, not reading the archives back.
  const renders = Array.from({ length: runs }, () =>
    JSON.parse(measure('feed rendering the archives', [], floorsScript, ['feed-archives', site]).stdout),
  );
  const render = { ms: median(renders.map((r) => r.ms)), documents: renders[0].documents };
  // The same first publish with V8 collecting garbage sooner: how much of its peak is garbage.
  const tightGc = repeat(
    'first publish, heap growth 30 %',
    [...cli.nodeArgs, '--heap-growing-percent=30'],
    cli.script,
    (i) => cliArgs(seeds, join(dir, `tight-${i}`)),
    (i) => rmSync(join(dir, `tight-${i}`), { recursive: true, force: true }),
  );
  progress(
    `  floors           copy ${copy.ms.toFixed(0)} ms, state ${state.ms.toFixed(0)} ms, listing ${listing.ms.toFixed(0)} ms, feed archives ${render.ms.toFixed(0)} ms`,
  );
  return { copy, state, listing, render, tightGc };
}

// ---- Optional reference: Hugo, only when it is already installed. ----
function onPath(command) {
  return (process.env.PATH ?? '').split(':').some((p) => p && existsSync(join(p, command)));
}
function hugoBuild(dir, size) {
  if (!onPath('hugo')) return undefined;
  const site = join(dir, 'hugo');
  generate(site, size, 'hugo');
  // The smallest site that renders every article page, a home page and the RSS of the newest 50.
  writeFileSync(
    join(site, 'hugo.toml'),
    'baseURL = "https://feeds.example.org/"\ntitle = "Dispatches"\ndisableKinds = ["taxonomy", "term"]\n[services.rss]\nlimit = 50\n',
  );
  mkdirSync(join(site, 'layouts', '_default'), { recursive: true });
  writeFileSync(
    join(site, 'layouts', '_default', 'single.html'),
    '<!doctype html><title>{{ .Title }}</title><h1>{{ .Title }}</h1>{{ .Content }}\n',
  );
  const list =
    '<!doctype html><title>{{ .Site.Title }}</title><ul>{{ range .Site.RegularPages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>\n';
  writeFileSync(join(site, 'layouts', '_default', 'list.html'), list);
  writeFileSync(join(site, 'layouts', 'index.html'), list);
  // Hugo is not a node process: its peak RSS comes from GNU time when that is installed.
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const out = join(dir, `hugo-out-${i}`);
    const rssFile = join(dir, 'hugo-rss');
    const hugo = ['hugo', '--quiet', '--source', site, '--destination', out];
    const [command, ...args] = timeBin ? [timeBin, '-f', '%M', '-o', rssFile, ...hugo] : hugo;
    const start = performance.now();
    const child = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
    const ms = performance.now() - start;
    if (child.status !== 0) {
      notes.push(`Hugo failed at ${size} articles, left out: ${(child.stderr || child.error?.message || '').trim().split('\n')[0]}`);
      return undefined;
    }
    samples.push({ ms, kib: timeBin ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : NaN });
    rmSync(out, { recursive: true, force: true });
  }
  progress(`  hugo             ${median(samples.map((s) => s.ms)).toFixed(0)} ms`);
  return summarize(samples);
}

// ---- The report ----
const mib = (kib) => (Number.isNaN(kib) ? 'n/a' : (kib / 1024).toFixed(1));
// Three decimals below 1, where the targets lie: 0.504 printed as 0.50 would read as on target.
const ratio = (x) => (Number.isNaN(x) ? 'n/a' : x >= 10 ? `${x.toFixed(0)}×` : x < 1 ? `${x.toFixed(3)}×` : `${x.toFixed(2)}×`);
const count = (n) => n.toLocaleString('en-US');
const mark = (value, limit) => (value <= limit ? '✓' : '✗');
const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
const lines = [];
const print = (line = '') => lines.push(line);

print(
  `Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `Node ${process.version}, ${os.type()} ${os.release()}; ${new Date().toISOString().slice(0, 10)}.`,
);
print(
  `Our CLI: ${cliLabel}. Baseline: \`node bench/naive.mjs SEEDS OUT\`. ` +
    `Each figure is the median of ${runs} run${runs === 1 ? '' : 's'} of a whole process: wall time and peak RSS. ` +
    'The rebuilds follow a naive run each, and their ratios are the medians of the ratios to it, run by run.',
);
print();

/** A scenario's ratios to the naive script: paired run by run where it was measured so (the rebuilds), else of the medians. */
const vsNaive = (r, key) => r[key].vsNaive ?? { ms: r[key].ms / r.naive.ms, kib: r[key].kib / r.naive.kib };

const scenarios = [
  ['naive', 'naive script, fresh folder'],
  ['first', 'first full publish, empty folder'],
  ['unchanged', 'rebuild, nothing changed'],
  ['added', 'rebuild, one article added'],
];
const hasHugo = results.some((r) => r.hugo);
if (hasHugo) scenarios.push(['hugo', 'Hugo full build (RSS + pages, reference)']);
print(
  `| scenario | ${results.map((r) => `${count(r.size)}: ms | ${count(r.size)}: peak MiB | ${count(r.size)}: × naive (time / RSS)`).join(' | ')} |`,
);
print(`| --- | ${results.map(() => '---: | ---: | ---:').join(' | ')} |`);
for (const [key, label] of scenarios) {
  const cells = results.map((r) => {
    const m = r[key];
    if (!m) return 'n/a | n/a | n/a';
    const vs = key === 'naive' ? '1×' : `${ratio(vsNaive(r, key).ms)} / ${ratio(vsNaive(r, key).kib)}`;
    return `${m.ms.toFixed(0)} | ${mib(m.kib)} | ${vs}`;
  });
  print(`| ${label} | ${cells.join(' | ')} |`);
}
print();
print(
  `Files written by our CLI per run (median): ${results
    .map((r) => `${count(r.size)}: first ${count(r.first.written)}, unchanged ${r.unchanged.written}, one added ${r.added.written}`)
    .join('; ')}.`,
);
// How each scenario grows with the corpus, between consecutive sizes: the question the old
// in-process benchmark answered for Lambda sizing.
for (let i = 1; i < results.length; i++) {
  const [a, b] = [results[i - 1], results[i]];
  const grow = (key) => `${ratio(b[key].ms / a[key].ms)} time / ${ratio(b[key].kib / a[key].kib)} RSS`;
  print(
    `Growth, ${count(b.size)} vs ${count(a.size)} articles (×${(b.size / a.size).toFixed(0)}): naive ${grow('naive')}; ` +
      `first publish ${grow('first')}; nothing changed ${grow('unchanged')}; one added ${grow('added')}.`,
  );
}
if (!onPath('hugo')) print('Hugo: not on PATH, no Hugo row.');
for (const note of notes) print(note);

// The targets are set for 10,000 articles (and 10,000 against 1,000); with other sizes they are
// checked at the largest size (and the largest against the smallest), and say so.
const big = results.reduce((a, b) => (b.size > a.size ? b : a));
const small = results.reduce((a, b) => (b.size < a.size ? b : a));
const ours = (r) => Math.max(r.first.kib, r.unchanged.kib, r.added.kib);
print();
print(`Targets at ${count(big.size)} articles${big.size === 10000 ? '' : ' (set for 10,000)'}:`);
const target = (value, limit, text) => print(`- ${mark(value, limit)} ${text}: ${ratio(value)} (target ≤ ${limit}×)`);
target(vsNaive(big, 'unchanged').ms, TARGETS.unchangedTime, 'rebuild, nothing changed: wall time vs naive');
target(vsNaive(big, 'unchanged').kib, TARGETS.unchangedRss, 'rebuild, nothing changed: peak RSS vs naive');
target(vsNaive(big, 'first').ms, TARGETS.firstTime, 'first full publish: wall time vs naive');
target(vsNaive(big, 'added').ms, TARGETS.addedTime, 'one article added: wall time vs naive');
if (big !== small) {
  target(
    ours(big) / ours(small),
    TARGETS.rssGrowth,
    `our CLI's peak RSS (max over its scenarios), ${count(big.size)} vs ${count(small.size)} articles` +
      `${big.size === 10000 && small.size === 1000 ? '' : ' (set for 10,000 vs 1,000)'}: ${mib(ours(big))} vs ${mib(ours(small))} MiB`,
  );
}

// Why the ✗ above are ✗ here: parts of a run, each a floor the whole run cannot go below.
const floorRatio = (r, ms) => ratio(ms / r.naive.ms);
const perSize = (cell) => results.map((r) => `${count(r.size)}: ${cell(r)}`).join('; ');
print();
print('Floors on this machine, measured in this run (`bench/floors.mjs`), × the naive script:');
print(
  `- first full publish (target ≤ ${TARGETS.firstTime}×): copying the published site (files only, no rendering) ${perSize((r) => `${r.floors.copy.ms.toFixed(0)} ms, ${floorRatio(r, r.floors.copy.ms)}`)}; ` +
    `the bare \`feed\` package rendering the archive documents' items in RSS and Atom ${perSize((r) => `${r.floors.render.documents} documents, ${r.floors.render.ms.toFixed(0)} ms, ${floorRatio(r, r.floors.render.ms)}`)}.`,
);
print(
  `- one article added (target ≤ ${TARGETS.addedTime}×): listing both folders with each file's stat and parsing the manifest, a whole process ` +
    `${perSize((r) => `${r.floors.state.ms.toFixed(0)} ms, ${floorRatio(r, r.floors.state.ms)}`)}; ` +
    `the listing alone, as a run that parsed no manifest whole would still do it, ` +
    `${perSize((r) => `${r.floors.listing.ms.toFixed(0)} ms, ${floorRatio(r, r.floors.listing.ms)}`)}.`,
);
if (big !== small) {
  print(
    `- peak RSS growth (target ≤ ${TARGETS.rssGrowth}×): the first publish with V8 collecting at 30 % heap growth (\`--heap-growing-percent=30\`) peaks at ` +
      `${perSize((r) => `${mib(r.floors.tightGc.kib)} MiB in ${r.floors.tightGc.ms.toFixed(0)} ms (${r.first.ms.toFixed(0)} ms with V8's defaults)`)}: ` +
      `${ratio(big.floors.tightGc.kib / small.floors.tightGc.kib)}, against ${ratio(big.first.kib / small.first.kib)} with V8's defaults.`,
  );
}

// The table and targets go out now: a failing extra section below must not lose them.
console.log(lines.join('\n'));

// ==== HOOK: extra sections ====
// Each entry is an async function given `context` (the measurements and where things are); it
// returns Markdown lines to print after the targets, or nothing. A section that throws is
// reported in one line and the others still run. Add sections here (S3 request counts, ...).
const context = { repoRoot, benchDir, tmpRoot, sizes, runs, results, cli, measure, progress };
const extraSections = [
  // Cold start of the Lambda bundle, from bench/cold-start.mjs (its own median of 15 imports,
  // not --runs: an import takes tens of milliseconds, so it needs more samples than a build).
  async ({ repoRoot, tmpRoot, progress }) => {
    if (options['no-cold-start']) return ['', 'Cold start: skipped (--no-cold-start).'];
    const { coldStart, formatColdStart } = await import(pathToFileURL(join(benchDir, 'cold-start.mjs')).href);
    const result = await coldStart({ repoRoot, tmpRoot, log: (line) => progress(`cold start: ${line}`) });
    return ['', '### Cold start', '', formatColdStart ? formatColdStart(result) : JSON.stringify(result)];
  },
  // S3 request counts per publish run (first, unchanged, one added, edited, deleted), from
  // bench/requests.ts in a child: it is TypeScript run through tsx and starts its own s3rver.
  async ({ repoRoot, benchDir, progress }) => {
    if (requestsSize === 0) return ['', 'S3 requests: skipped (--requests-size 0).'];
    progress(`S3 requests at ${requestsSize} articles (bench/requests.ts)`);
    const markdown = await runChild(
      [process.execPath, '--import', 'tsx', join(benchDir, 'requests.ts'), '--generator', generator, '--size', String(requestsSize)],
      repoRoot,
    );
    return ['', '### S3 requests', '', markdown.trimEnd()];
  },
];
/**
 * Runs a command with its stderr passed through as it comes (progress of a slow section) and
 * resolves to its stdout; rejects with the child's last stderr line (its one-line failure).
 */
function runChild([command, ...args], cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolvePromise(stdout);
      const last = stderr.trim().split('\n').pop() || `exit ${code ?? signal}`;
      reject(new Error(last));
    });
  });
}
for (const [i, section] of extraSections.entries()) {
  try {
    const sectionLines = (await section(context)) ?? [];
    if (sectionLines.length > 0) console.log(sectionLines.join('\n'));
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : error;
    console.log(`\nExtra section ${i + 1} failed: ${why}`);
    broken.push(`extra section ${i + 1} failed: ${why}`);
  }
}
// ==== end of hook ====

// A part that could not run, or an incremental path that did not hold, is a failure (`.ci/run`
// runs the bench so that it cannot rot); a target missed is not: ratios are printed, not asserted.
if (broken.length > 0) {
  console.log(`\nThe bench found ${broken.length} problem(s):\n${broken.map((line) => `- ${line}`).join('\n')}`);
  process.exitCode = 1;
}

if (options.keep) progress(`kept ${tmpRoot}`);
