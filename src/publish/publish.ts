import { parseCorpus, type SeedFile } from '../article/corpus.js';
import type { FeedConfig } from '../config.js';
import { articlePath } from '../feed/items.js';
import { articlePage } from '../site/article-page.js';
import { indexPage } from '../site/index-page.js';
import type { Storage } from '../storage/storage.js';
import { buildFeedsFromCorpus } from './build.js';
import { mapWithConcurrency } from './concurrency.js';
import {
  MANIFEST_KEY,
  articleHash,
  objectHash,
  parseManifest,
  serializeManifest,
  type ArticleRecord,
  type Manifest,
} from './manifest.js';

export const CONTENT_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  manifest: 'application/json; charset=utf-8',
} as const;

export const DEFAULT_CACHE_CONTROL = 'max-age=300';

export interface PublishRequest {
  /** Rewrite every object, even those the manifest says are unchanged. */
  readonly force?: boolean;
  /** Build and report, write nothing. */
  readonly dryRun?: boolean;
}

export interface PublishDependencies {
  readonly storage: Storage;
  readonly readSeeds: () => Promise<readonly SeedFile[]>;
  readonly config: FeedConfig;
  /** Cache-Control for every published object. */
  readonly cacheControl: string;
  readonly now: () => Date;
  /** How many objects are written at once. */
  readonly concurrency?: number;
}

export interface PublishSummary {
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly articles: { readonly read: number; readonly published: number; readonly held: number; readonly rejected: number };
  readonly rejected: readonly { readonly file: string; readonly line: number; readonly reason: string }[];
  readonly held: readonly { readonly file: string; readonly date: string }[];
  readonly feedItems: number;
  /** In a dry run `written` is what would have been written. */
  readonly objects: { readonly written: number; readonly skipped: number; readonly writtenKeys: readonly string[] };
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

/** The run as a whole could not publish; the bucket holds what it held before (or more, never less). */
export class PublishError extends Error {
  constructor(message: string, readonly summary?: Partial<PublishSummary>, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'PublishError';
  }
}

interface PlannedObject {
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  /** Of body and headers, as the manifest records it. */
  readonly hash: string;
}

/**
 * Reads the seeds, builds the feeds and pages, and writes what changed: article pages and the
 * index first, then the feeds that link to them, then the manifest that records it all.
 */
export async function publish(deps: PublishDependencies, request: PublishRequest = {}): Promise<PublishSummary> {
  const started = performance.now();
  const force = request.force === true;
  const dryRun = request.dryRun === true;
  const now = deps.now();
  const { config, storage, cacheControl } = deps;

  let files: readonly SeedFile[];
  let storedManifest: Uint8Array | undefined;
  try {
    files = await deps.readSeeds();
    storedManifest = (await storage.get(MANIFEST_KEY))?.body;
  } catch (error) {
    throw new PublishError(`reading the seeds or ${MANIFEST_KEY} failed; nothing was written: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
  }
  const { manifest: previous, problem } = parseManifest(storedManifest);
  const warnings = problem ? [problem] : [];

  const corpus = parseCorpus(files, config.idPrefix);
  const articleRecords = new Map<string, ArticleRecord>();
  for (const entry of corpus.articles) articleRecords.set(entry.id, nextArticleRecord(previous.articles[entry.id], articleHash(entry.article), now));
  const updatedAt = new Map<string, Date>();
  for (const [id, record] of articleRecords) if (record.updated) updatedAt.set(id, new Date(record.updated));

  const build = buildFeedsFromCorpus(corpus, { config, now, updatedAt });
  const report = {
    dryRun,
    force,
    articles: { read: files.length, published: build.published.length, held: build.held.length, rejected: corpus.rejected.length },
    rejected: corpus.rejected.map((error) => ({ file: error.fileName, line: error.line, reason: error.reason })),
    held: build.held.map((entry) => ({ file: entry.article.fileName, date: entry.article.date.iso })),
  };
  if (!build.feed) {
    throw new PublishError(
      files.length === 0
        ? 'no seed articles were found; nothing was written'
        : `none of the ${files.length} seed articles could be published; nothing was written`,
      report,
    );
  }

  const planned = (key: string, text: string, contentType: string): PlannedObject => {
    const body = Buffer.from(text, 'utf8');
    return { key, body, contentType, hash: objectHash(body, contentType, cacheControl) };
  };
  const pages = [
    ...build.published.map((entry) => planned(articlePath(entry.slug), articlePage(entry, config), CONTENT_TYPES.html)),
    planned('index.html', indexPage(build.published, config), CONTENT_TYPES.html),
  ];
  const { rss, atom, json } = build.feed.documents;
  const feeds = [
    planned('rss.xml', rss, CONTENT_TYPES.rss),
    planned('atom.xml', atom, CONTENT_TYPES.atom),
    planned('feed.json', json, CONTENT_TYPES.json),
  ];

  const objects: Record<string, string> = { ...previous.objects };
  const writtenKeys: string[] = [];
  let skipped = 0;
  const writeChanged = async (batch: readonly PlannedObject[]) => {
    const changed = batch.filter((object) => force || previous.objects[object.key] !== object.hash);
    skipped += batch.length - changed.length;
    if (!dryRun) {
      await mapWithConcurrency(changed, deps.concurrency ?? 16, async (object) => {
        await storage.put(object.key, object.body, { contentType: object.contentType, cacheControl });
        objects[object.key] = object.hash;
      });
    }
    writtenKeys.push(...changed.map((object) => object.key));
  };

  try {
    // Pages first: a reader who gets the new feed can always follow its links.
    await writeChanged(pages);
    await writeChanged(feeds);
    // Records of articles no longer in the seeds are kept: if one comes back, it is not "new".
    const manifest: Manifest = { version: 1, objects, articles: { ...previous.articles, ...Object.fromEntries(articleRecords) } };
    const manifestBytes = serializeManifest(manifest);
    if (!dryRun && (force || Buffer.compare(manifestBytes, serializeManifest(previous)) !== 0)) {
      await storage.put(MANIFEST_KEY, manifestBytes, { contentType: CONTENT_TYPES.manifest, cacheControl: 'no-cache' });
    }
  } catch (error) {
    throw new PublishError(`publishing failed: ${error instanceof Error ? error.message : String(error)}`, report, { cause: error });
  }

  return {
    ...report,
    feedItems: build.feed.model.items.length,
    objects: { written: writtenKeys.length, skipped, writtenKeys },
    warnings,
    durationMs: Math.round(performance.now() - started),
  };
}

/** An article seen for the first time keeps its calendar date; an edited one is `updated` now. */
function nextArticleRecord(previous: ArticleRecord | undefined, hash: string, now: Date): ArticleRecord {
  if (!previous) return { hash };
  if (previous.hash === hash) return previous;
  return { hash, updated: now.toISOString() };
}
