// S3 requests per publish run, seeds in the bucket: the same publish() the Lambda runs, against
// the embedded S3 (s3rver), on a generated corpus of N articles. Five runs in a row on one
// bucket: first publish, unchanged republish, one article added, one edited, one deleted. Each
// run's requests are counted on the real S3Client by a middleware, per command and, for
// GetObject, by whether the key is a seed. Prints a Markdown table and the targets (unchanged:
// no PUT and no seed GET; one added: at most 7 PUT, plus two archive documents per format once
// archives exist, and exactly 1 seed GET), marked, not asserted.
//
//   node --import tsx bench/requests.ts --generator PATH --size N [--json]
//
//   --generator  the corpus generator (default: ../shared/bench/gen-corpus.mjs, from the repo root)
//   --size       articles in the corpus (default 1000; at least 5, see the deleted run)
//   --json       print the result object instead of the Markdown
//
// Progress goes to stderr. On failure: one line on stderr, exit 1. bench/run.mjs runs this as
// a child for its "S3 requests" section.
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadFeedConfig, loadPublishSettings } from '../src/config.js';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../src/local/embedded-s3.js';
import { publish, type PublishSummary } from '../src/publish/publish.js';
import { createS3Client } from '../src/storage/s3.js';
import { bucketPublishDependencies } from '../src/wiring.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUCKET = 'bench';
const SEEDS_PREFIX = 'seeds/';
// The same fixed clock as bench/run.mjs: every generated article (and the added one, dated the
// day before) is already due, and every run sees the same instant.
const NOW = new Date('2100-01-01T00:00:00Z');
const ADDED_KEY = `${SEEDS_PREFIX}2099-12-31-bench-added.txt`;
const ADDED_TEXT = 'date 2099-12-31 Bench Added Article\n\nA new paragraph.\n';
const EDIT_PARAGRAPH = '\nAn extra paragraph, appended by the benchmark to edit this article.\n';
// Two archive documents per format may change when an article is added (the newest archive, and
// the one before it when a new archive starts).
const TARGETS = { addedPut: 7, addedArchivePut: 2 * 3, addedSeedGet: 1 };

export interface RequestCounts {
  /** ListObjectsV2 calls: one per page. */
  list: number;
  /** GetObject of a key under the seeds prefix. */
  seedGet: number;
  /** Any other GetObject (the manifest; a 404 for it counts too). */
  otherGet: number;
  put: number;
  delete: number;
  /** Commands publish() is not expected to send at all (HeadObject, ...), by name. */
  other: Record<string, number>;
  /** HTTP attempts beyond the first, by the SDK's retry; 0 unless the local server misbehaved. */
  retries: number;
}

export interface ScenarioResult {
  name: 'first' | 'unchanged' | 'added' | 'edited' | 'deleted';
  label: string;
  requests: RequestCounts;
  /** What publish() itself reported, as a cross-check of the counts; the keys only when there are at most 20. */
  summary: { seedsRead: number; written: number; deleted: number; writtenKeys?: string[]; deletedKeys?: string[] };
  ms: number;
}

export interface RequestsResult {
  size: number;
  seedsPrefix: string;
  scenarios: ScenarioResult[];
  targets: { text: string; met: boolean }[];
}

const emptyCounts = (): RequestCounts => ({ list: 0, seedGet: 0, otherGet: 0, put: 0, delete: 0, other: {}, retries: 0 });

function fail(message: string): never {
  console.error(`bench requests: ${message}`);
  process.exit(1);
}
const progress = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Counts every command sent through the client while `enabled`. On the initialize step it sees
 * each send() once, with the input as the caller built it (the key before any endpoint rewriting);
 * the SDK's retries happen further down the stack, so they are read from the response metadata.
 */
function countRequests(client: S3Client) {
  const state = { enabled: false, counts: emptyCounts() };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!state.enabled) return next(args);
      const counts = state.counts;
      const key = (args.input as { Key?: unknown }).Key;
      switch (context.commandName) {
        case 'ListObjectsV2Command':
          counts.list++;
          break;
        case 'GetObjectCommand':
          if (typeof key === 'string' && key.startsWith(SEEDS_PREFIX)) counts.seedGet++;
          else counts.otherGet++;
          break;
        case 'PutObjectCommand':
          counts.put++;
          break;
        case 'DeleteObjectCommand':
          counts.delete++;
          break;
        default: {
          const name = String(context.commandName ?? 'unknown');
          counts.other[name] = (counts.other[name] ?? 0) + 1;
        }
      }
      const retried = (metadata: { attempts?: number } | undefined) => {
        if (metadata?.attempts !== undefined && metadata.attempts > 1) counts.retries += metadata.attempts - 1;
      };
      try {
        const result = await next(args);
        retried((result.output as { $metadata?: { attempts?: number } }).$metadata);
        return result;
      } catch (error) {
        retried((error as { $metadata?: { attempts?: number } }).$metadata);
        throw error;
      }
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return {
    start() {
      state.counts = emptyCounts();
      state.enabled = true;
    },
    stop(): RequestCounts {
      state.enabled = false;
      return state.counts;
    },
  };
}

/** At most `limit` calls in flight. */
async function inPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function measureRequests(options: { generator: string; size: number; log?: (line: string) => void }): Promise<RequestsResult> {
  const log = options.log ?? (() => {});
  const tmp = mkdtempSync(join(os.tmpdir(), 'feed-bench-requests-'));
  let s3: EmbeddedS3 | undefined;
  let client: S3Client | undefined;
  try {
    const corpus = join(tmp, 'corpus');
    log(`generating ${options.size} articles`);
    const generated = spawnSync(process.execPath, [options.generator, corpus, String(options.size)], { encoding: 'utf8' });
    if (generated.status !== 0)
      throw new Error(`corpus generator failed: ${(generated.stderr || generated.error?.message || '').trim().split('\n')[0]}`);
    // Date-prefixed file names: name order is date order.
    const names = readdirSync(corpus)
      .filter((name) => name.endsWith('.txt'))
      .sort();
    if (names.length !== options.size) throw new Error(`the generator wrote ${names.length} seeds, not ${options.size}`);

    const s3Dir = join(tmp, 's3');
    mkdirSync(s3Dir);
    s3 = await startEmbeddedS3({ directory: s3Dir, port: 0, bucket: BUCKET, silent: true });
    client = createS3Client({ region: localS3Region, endpoint: s3.endpoint, forcePathStyle: true, credentials: localS3Credentials });
    const counter = countRequests(client);
    const s3Client = client;
    const putSeed = (key: string, body: string | Uint8Array) =>
      s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: 'text/plain; charset=utf-8' }));

    // Seeding the bucket is setup, not part of any run: the counter is off.
    log(`uploading ${names.length} seeds to ${s3.endpoint}/${BUCKET}/${SEEDS_PREFIX}`);
    await inPool(names, 32, (name) => putSeed(SEEDS_PREFIX + name, readFileSync(join(corpus, name))));

    const feed = loadFeedConfig(JSON.parse(readFileSync(join(repoRoot, 'feed.config.json'), 'utf8')), {
      SITE_URL: 'https://bench.example.org/',
    });
    const deps = bucketPublishDependencies({
      client,
      feed,
      publish: loadPublishSettings({ FEED_BUCKET: BUCKET, SEEDS_SOURCE: 'bucket', SEEDS_PREFIX }),
      // Never read: the seeds are in the bucket.
      defaultSeedsDir: '/nonexistent',
      now: () => NOW,
    });

    // Edited: the newest generated article, so the edit reaches the feeds as well as its page.
    const edited = names[names.length - 1]!;
    // Deleted: one old enough not to be among the feeds' items (the middle of the older ones),
    // so the run shows the cost of unpublishing alone. 1 of N is within the unpublish guard
    // (20 % by default) for N ≥ 5.
    const olderCount = Math.max(1, names.length - feed.itemLimit);
    const deleted = names[Math.floor((olderCount - 1) / 2)]!;

    const scenarios: { name: ScenarioResult['name']; label: string; change?: () => Promise<unknown> }[] = [
      { name: 'first', label: 'first publish, seeds only in the bucket' },
      { name: 'unchanged', label: 'republish, nothing changed' },
      { name: 'added', label: `one article added (${ADDED_KEY.slice(SEEDS_PREFIX.length)})`, change: () => putSeed(ADDED_KEY, ADDED_TEXT) },
      {
        name: 'edited',
        label: 'one article edited (the newest generated, in the feeds)',
        change: () => putSeed(SEEDS_PREFIX + edited, readFileSync(join(corpus, edited), 'utf8') + EDIT_PARAGRAPH),
      },
      {
        name: 'deleted',
        label: `one article deleted (${names.length > feed.itemLimit ? 'an old one, not in the feeds' : 'the oldest, in the feeds: the corpus is no bigger than they are'})`,
        change: () => s3Client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: SEEDS_PREFIX + deleted })),
      },
    ];
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      await scenario.change?.();
      counter.start();
      const started = performance.now();
      let summary: PublishSummary;
      try {
        summary = await publish(deps);
      } catch (error) {
        counter.stop();
        throw new Error(`${scenario.name} run: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      const ms = performance.now() - started;
      const requests = counter.stop();
      results.push({
        name: scenario.name,
        label: scenario.label,
        requests,
        summary: {
          seedsRead: summary.articles.read,
          written: summary.objects.written,
          deleted: summary.objects.deleted,
          ...(summary.objects.written + summary.objects.deleted <= 20 && {
            writtenKeys: [...summary.objects.writtenKeys],
            deletedKeys: [...summary.objects.deletedKeys],
          }),
        },
        ms,
      });
      log(
        `  ${scenario.name.padEnd(9)} LIST ${requests.list}, GET seeds ${requests.seedGet}, GET other ${requests.otherGet}, PUT ${requests.put}, DELETE ${requests.delete} (${ms.toFixed(0)} ms)`,
      );
    }

    const unchanged = results.find((r) => r.name === 'unchanged')!.requests;
    const added = results.find((r) => r.name === 'added')!.requests;
    const noOthers = (c: RequestCounts) => Object.keys(c.other).length === 0;
    return {
      size: options.size,
      seedsPrefix: SEEDS_PREFIX,
      scenarios: results,
      targets: [
        {
          text: `republish, nothing changed: 0 PUT and 0 seed GET, only the LIST pages and the manifest GET (got ${unchanged.put} PUT, ${unchanged.seedGet} seed GET, ${unchanged.otherGet} other GET, ${unchanged.delete} DELETE)`,
          met: unchanged.put === 0 && unchanged.seedGet === 0 && unchanged.otherGet === 1 && unchanged.delete === 0 && noOthers(unchanged),
        },
        {
          text: `one article added: ≤ ${TARGETS.addedPut} PUT + ≤ ${TARGETS.addedArchivePut} archive PUT and exactly ${TARGETS.addedSeedGet} seed GET (got ${added.put} PUT, ${added.seedGet} seed GET)`,
          met: added.put <= TARGETS.addedPut + TARGETS.addedArchivePut && added.seedGet === TARGETS.addedSeedGet,
        },
      ],
    };
  } finally {
    client?.destroy();
    await s3?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatRequests(result: RequestsResult): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const lines = [
    `S3 requests per publish run on ${count(result.size)} articles, counted on the real client (a counting middleware on the ` +
      `S3Client's initialize step, one per command sent), seeds in the bucket under \`${result.seedsPrefix}\`, against the ` +
      'embedded S3 (s3rver, up to 1,000 keys per LIST page). The runs follow each other on the same bucket. ' +
      '"GET other" is the manifest (a 404 on the first publish).',
    '',
    '| run | LIST | GET seeds | GET other | PUT | DELETE |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of result.scenarios) {
    const r = s.requests;
    lines.push(`| ${s.label} | ${count(r.list)} | ${count(r.seedGet)} | ${count(r.otherGet)} | ${count(r.put)} | ${count(r.delete)} |`);
  }
  lines.push('');
  // What the PUTs and DELETEs of the small runs were, as publish() reported them: says why the count is what it is.
  const keys = result.scenarios
    .filter((s) => s.summary.writtenKeys && s.summary.writtenKeys.length + (s.summary.deletedKeys?.length ?? 0) > 0)
    .map((s) => {
      const deleted = s.summary.deletedKeys?.length ? `; deleted ${s.summary.deletedKeys.join(', ')}` : '';
      return `${s.name}: ${s.summary.writtenKeys!.join(', ') || 'nothing else'}${deleted}`;
    });
  if (keys.length > 0) lines.push(`Objects written besides the manifest (as publish() reports them): ${keys.join('. ')}.`, '');
  for (const s of result.scenarios) {
    const extra = Object.entries(s.requests.other).map(([name, n]) => `${n} × ${name}`);
    if (extra.length > 0) lines.push(`Other commands in the ${s.name} run: ${extra.join(', ')}.`);
    if (s.requests.retries > 0) lines.push(`The ${s.name} run needed ${s.requests.retries} SDK retries (HTTP attempts not in the table).`);
  }
  lines.push(`Targets at ${count(result.size)} articles (printed, not asserted):`);
  for (const t of result.targets) lines.push(`- ${t.met ? '✓' : '✗'} ${t.text}`);
  return lines.join('\n');
}

// Run as a script (not when imported).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let values: { generator?: string; size?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        generator: { type: 'string' },
        size: { type: 'string', default: '1000' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const generator = values.generator ? resolve(values.generator) : resolve(repoRoot, '../shared/bench/gen-corpus.mjs');
  const size = Number(values.size);
  if (!existsSync(generator)) fail(`corpus generator not found at ${generator}; pass --generator PATH`);
  if (!Number.isInteger(size) || size < 5) fail('--size wants a whole number ≥ 5 (deleting 1 of fewer trips the 20 % unpublish guard)');
  try {
    const result = await measureRequests({ generator, size, log: (line) => progress(`s3 requests: ${line}`) });
    console.log(values.json ? JSON.stringify(result, null, 2) : formatRequests(result));
    process.exit(0);
  } catch (error) {
    fail(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}
