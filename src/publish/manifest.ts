/**
 * What the last run published, kept in the bucket beside the feeds (`_publish/manifest.json`).
 * The bucket's listing says what exists; the manifest says what each object was made from, so a
 * run can tell what changed without reading seeds or objects that did not.
 */
import { createHash } from 'node:crypto';
import type { EntryText } from '../feed/items.js';

export const MANIFEST_KEY = '_publish/manifest.json';
export const MANIFEST_VERSION = 2;

/** A published object: what it was made from, and the ETag the storage gave it when it was written. */
export interface ObjectRecord {
  /** Hash of everything its bytes and headers were made from. */
  readonly input: string;
  readonly etag: string;
}

export interface Rejection {
  readonly line: number;
  readonly reason: string;
}

/** One seed file, by file name; kept after the seed is gone so its slug is never given to another article. */
export interface ArticleRecord {
  /** The seed as last listed (ETag, or size and time for a folder); absent once it is gone. */
  readonly seed?: string;
  /** That listed version could not be parsed; whatever else is here is the last good version. */
  readonly rejected?: Rejection;
  /** Hash of the last version that parsed, and its calendar day. */
  readonly hash?: string;
  readonly day?: string;
  /** The page's slug, fixed at first publication. */
  readonly slug?: string;
  /** ISO instant of the last change after first publication. */
  readonly updated?: string;
  /** Present while the article is published. */
  readonly page?: ObjectRecord;
  /** Kept while the article is one of the feeds' items, so a run that did not change it need not read it. */
  readonly text?: EntryText;
}

export interface Manifest {
  readonly version: typeof MANIFEST_VERSION;
  /** Digest of the settings every page was last rendered with: while it holds, a page's input is unchanged if its record is. */
  readonly pageSettings?: string;
  /** Digest of everything the index and the feeds were last made from. */
  readonly siteInput?: string;
  readonly articles: Readonly<Record<string, ArticleRecord>>;
  /** The index and the feeds. */
  readonly objects: Readonly<Record<string, ObjectRecord>>;
}

/** From a manifest of the first version: item id → the article's hash and `updated`, so edit dates survive the upgrade. */
export type LegacyArticles = ReadonlyMap<string, { readonly hash: string; readonly updated?: string }>;

export interface StoredManifest {
  readonly manifest: Manifest;
  /** The ETag it was read with: the next write is conditional on it. Undefined when there was none. */
  readonly etag?: string;
  readonly legacy?: LegacyArticles;
  readonly problem?: string;
}

export const EMPTY_MANIFEST: Manifest = { version: MANIFEST_VERSION, articles: {}, objects: {} };

/** Short hashes: 128 bits tell inputs apart as well as 256 and keep a 10,000-article manifest small. */
export function digest(...parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 32);
}

/**
 * A manifest that cannot be trusted is treated as empty: the run then rebuilds from the seeds and
 * the bucket's listing, which is safe (it rewrites what differs) and says so.
 */
export function parseManifest(bytes: Uint8Array | undefined, now: Date, etag?: string): StoredManifest {
  const withEtag = etag === undefined ? {} : { etag };
  if (bytes === undefined) return { manifest: EMPTY_MANIFEST, ...withEtag };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return { manifest: EMPTY_MANIFEST, ...withEtag, problem: `${MANIFEST_KEY} is not valid JSON; rebuilding from the seeds and the bucket's listing` };
  }
  if (isRecord(value) && value.version === 1 && isRecord(value.articles)) {
    const legacy = new Map<string, { hash: string; updated?: string }>();
    for (const [id, record] of Object.entries(value.articles)) {
      if (isRecord(record) && typeof record.hash === 'string') {
        legacy.set(id, typeof record.updated === 'string' ? { hash: record.hash, updated: record.updated } : { hash: record.hash });
      }
    }
    return { manifest: EMPTY_MANIFEST, ...withEtag, legacy };
  }
  const problem = manifestProblem(value, now.getTime());
  if (problem) return { manifest: EMPTY_MANIFEST, ...withEtag, problem: `${MANIFEST_KEY} ${problem}; rebuilding from the seeds and the bucket's listing` };
  return { manifest: value as Manifest, ...withEtag };
}

const MANIFEST_FIELDS = new Set(['version', 'pageSettings', 'siteInput', 'articles', 'objects']);
const ARTICLE_FIELDS = new Set(['seed', 'rejected', 'hash', 'day', 'slug', 'updated', 'page', 'text']);

/**
 * Why a manifest cannot be trusted, or undefined. Beyond types: a field this version does not
 * write means another writer or a hand edit, and an edit date after `now` would put a date from
 * the future into the feeds; either way the run rebuilds rather than publish what it says.
 */
function manifestProblem(value: unknown, now: number): string | undefined {
  if (!isRecord(value)) return 'is not a JSON object';
  if (value.version !== MANIFEST_VERSION) return `has unknown version ${JSON.stringify(value.version)}`;
  const unknown = Object.keys(value).find((key) => !MANIFEST_FIELDS.has(key));
  if (unknown !== undefined) return `has an unknown field ${JSON.stringify(unknown).slice(0, 80)}`;
  if (!isRecord(value.articles) || !isRecord(value.objects)) return 'lacks "articles" or "objects"';
  for (const field of ['pageSettings', 'siteInput'] as const) {
    if (value[field] !== undefined && typeof value[field] !== 'string') return `has a malformed ${JSON.stringify(field)}`;
  }
  for (const [key, record] of Object.entries(value.objects)) if (!isObjectRecord(record)) return `has a malformed record for ${JSON.stringify(key)}`;
  for (const [name, record] of Object.entries(value.articles)) {
    if (!isArticleRecord(record)) return `has a malformed record for ${JSON.stringify(name).slice(0, 120)}`;
    for (const key in record) if (!ARTICLE_FIELDS.has(key)) return `has an unknown field ${JSON.stringify(key).slice(0, 80)} in the record for ${JSON.stringify(name).slice(0, 120)}`;
    if (record.updated !== undefined && Date.parse(record.updated) > now) {
      return `says ${JSON.stringify(name).slice(0, 120)} was edited at ${record.updated}, after this run's clock`;
    }
  }
  return undefined;
}

function isObjectRecord(value: unknown): value is ObjectRecord {
  return isRecord(value) && typeof value.input === 'string' && typeof value.etag === 'string';
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function isArticleRecord(value: unknown): value is ArticleRecord {
  if (!isRecord(value)) return false;
  const { seed, hash, day, slug, updated, page, rejected, text } = value;
  // Called for every article of the archive on every run: plain checks, no closures.
  if (seed !== undefined && typeof seed !== 'string') return false;
  if (hash !== undefined && typeof hash !== 'string') return false;
  if (day !== undefined && (typeof day !== 'string' || !DAY.test(day))) return false;
  if (slug !== undefined && (typeof slug !== 'string' || slug === '' || slug.includes('/'))) return false;
  if (updated !== undefined && (typeof updated !== 'string' || Number.isNaN(Date.parse(updated)))) return false;
  if (page !== undefined && !isObjectRecord(page)) return false;
  if (rejected !== undefined && !(isRecord(rejected) && typeof rejected.line === 'number' && typeof rejected.reason === 'string')) return false;
  if (text !== undefined && !(isRecord(text) && typeof text.title === 'string' && typeof text.lede === 'string' && typeof text.html === 'string')) return false;
  // A published article has a slug, a day and a hash; nothing else can render it.
  return page === undefined || (slug !== undefined && day !== undefined && hash !== undefined);
}

/** Keys sorted, one record a line: the same state gives the same bytes, and a diff shows what changed. */
export function serializeManifest(manifest: Manifest): Uint8Array {
  const lines = (record: Readonly<Record<string, unknown>>) =>
    Object.keys(record)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((key) => `  ${JSON.stringify(key)}: ${JSON.stringify(record[key])}`)
      .join(',\n');
  const section = (record: Readonly<Record<string, unknown>>) => (Object.keys(record).length === 0 ? '{}' : `{\n${lines(record)}\n }`);
  const settings = (['pageSettings', 'siteInput'] as const)
    .filter((field) => manifest[field] !== undefined)
    .map((field) => `\n ${JSON.stringify(field)}: ${JSON.stringify(manifest[field])},`)
    .join('');
  return Buffer.from(`{\n "version": ${MANIFEST_VERSION},${settings}\n "articles": ${section(manifest.articles)},\n "objects": ${section(manifest.objects)}\n}\n`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
