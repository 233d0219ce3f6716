/**
 * What the last run published, kept in the bucket beside the feeds (`_publish/manifest.json`).
 * The bucket's listing says what exists; the manifest says what each object was made from, so a
 * run can tell what changed without reading seeds or objects that did not.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import type { EntryText } from '../feed/items.js';
import { LANGUAGE_TAG } from '../article/parse.js';
import { PUBLISH_STATE_PREFIX } from '../site-files.js';
import { compareStrings } from '../text/order.js';

export const MANIFEST_KEY = `${PUBLISH_STATE_PREFIX}manifest.json`;
export const MANIFEST_VERSION = 2;

/** A published object: what it was made from, and the ETag the storage gave it when it was written. */
export interface ObjectRecord {
  /** Hash of everything its bytes and headers were made from. */
  readonly input: string;
  readonly etag: string;
  /**
   * An archive document's: hash of its bytes and headers as written. Made again for a setting
   * that changes another format's documents only (`ttlMinutes` is RSS's), it is not written
   * again when this is what it was.
   */
  readonly output?: string;
}

export interface Rejection {
  readonly line: number;
  readonly reason: string;
  /**
   * Refused from its listed size (MAX_SEED_BYTES), never read. Decided again on every run, from
   * the listing, since a change of the limit changes the answer without changing the seed.
   */
  readonly tooLarge?: true;
  /**
   * Listed but could not be read (unreadableSeed: no read permission, an archived object): read
   * again on every run, since what makes it readable again (a chmod, a restore) does not change
   * its listing.
   */
  readonly unreadable?: true;
}

/**
 * The listed version of a record made from the published feeds, with the manifest lost, for an
 * article whose seed is gone (recovered.ts): no listing has an empty ETag or signature.
 */
export const GONE_SEED = '';

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

/** The newest article of a closed archive page: its day and seed file name. */
export type ArchiveEnd = readonly [day: string, fileName: string];

/** How the archive is cut into pages, kept so that a page, once closed, keeps its articles. */
export interface ArchiveLayout {
  /** The page size (the feeds' item limit) the ends were made for. */
  readonly pageSize: number;
  /** Where each closed page ends, oldest first: every page but the newest. */
  readonly ends: readonly ArchiveEnd[];
}

/** What a run that lists exactly what the last one left behind reports, without reading a record. */
export interface SettledState {
  /** Digest of the seeds' listing and the site's listing as the last run left them. */
  readonly listing: string;
  /** Digest of every setting that run's output and report depend on. */
  readonly settings: string;
  /** That run's clock: a clock set back before it is no settled state (the records carry dates up to it). */
  readonly from: string;
  /** When the first held article is due, if one is: from then on its page must be written. */
  readonly until?: string;
  readonly summary: SettledSummary;
}

/** The parts of that run's report that come from the records. */
export interface SettledSummary {
  readonly seeds: number;
  readonly published: number;
  readonly feedItems: number;
  /** Objects that are as they should be: every one, since nothing is to be written. */
  readonly objects: number;
  readonly held: readonly { readonly file: string; readonly date: string }[];
  readonly rejected: readonly { readonly file: string; readonly line: number; readonly reason: string; readonly keptPublished: boolean }[];
}

export interface Manifest {
  readonly version: typeof MANIFEST_VERSION;
  /** Digest of the settings every page was last rendered with: while it holds, a page's input is unchanged if its record is. */
  readonly pageSettings?: string;
  /** Digest of the settings the index, the feeds and the archives were last made from. */
  readonly siteSettings?: string;
  /** Digest of everything the index and the feeds were last made from. */
  readonly siteInput?: string;
  readonly articles: Readonly<Record<string, ArticleRecord>>;
  /** The index and the feeds. */
  readonly objects: Readonly<Record<string, ObjectRecord>>;
  /**
   * Feed URLs the WebSub hub has not yet confirmed it was told about: written before the hub is
   * notified and cleared once it accepts, so a failed or interrupted notification is sent again
   * by the next run. Absent when there are none.
   */
  readonly pendingPings?: readonly string[];
  /**
   * Published articles a forced run was told to unpublish, saved when it stopped or failed
   * before it got to them (a site whose full rewrite does not fit in one run): the runs that
   * carry on from it unpublish them without the guard asking again. Dropped by the run that
   * completes. Absent when there are none.
   */
  readonly approvedLeaving?: readonly string[];
  /**
   * Set by a run that left the site complete: the listings it left and the report a run seeing
   * exactly those listings would give. Written before the records, so that such a run reads only
   * the head of the manifest (readManifestHead).
   */
  readonly settled?: SettledState;
  /** Where the archive's closed pages end; absent until a page is closed (archivePages). */
  readonly archive?: ArchiveLayout;
  /**
   * Saved by an upgrade from a first-version manifest that stopped before it read every seed
   * (a site too large for one run): the first version's hash and edit date of each article not
   * read yet, by item id, so the runs that carry on keep their edit dates. Dropped by the run
   * that completes.
   */
  readonly legacyArticles?: Readonly<Record<string, { readonly hash: string; readonly updated?: string }>>;
}

/** The manifest without its records: what a run with nothing to do needs of it. */
export type ManifestHead = Omit<Manifest, 'articles' | 'objects'>;

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
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    value = JSON.parse(whole.toString('utf8'));
  } catch {
    return {
      manifest: EMPTY_MANIFEST,
      ...withEtag,
      problem: `${MANIFEST_KEY} is not valid JSON; rebuilding from the seeds and the bucket's listing`,
    };
  }
  const legacy = v.safeParse(LEGACY_MANIFEST, value, { abortEarly: true });
  if (legacy.success) {
    const { articles, later } = legacyArticles(legacy.output.articles, now);
    const problem = later === undefined ? undefined : laterEditsDropped(`${MANIFEST_KEY} says`, later.count, later.first, later.updated);
    return { manifest: EMPTY_MANIFEST, ...withEtag, legacy: articles, ...(problem === undefined ? {} : { problem }) };
  }
  // abortEarly: one reason is enough to rebuild, and a broken manifest is not walked to its end.
  const result = v.safeParse(MANIFEST_SCHEMA, value, { abortEarly: true });
  if (!result.success) {
    return {
      manifest: EMPTY_MANIFEST,
      ...withEtag,
      problem: `${MANIFEST_KEY} ${manifestProblem(result.issues[0])}; rebuilding from the seeds and the bucket's listing`,
    };
  }
  // The records' digest vouches for the bytes read, not for the manifest a run goes on to write.
  const { records: recordsDigest, legacyArticles: kept, ...read } = result.output;
  const { manifest, problem } = withoutLaterEdits(read, now);
  const text = recordLines(bytes, whole, read.articles, recordsDigest);
  if (text) recordSources.set(manifest, text);
  // An upgrade from the first version carried on: the articles it has not read yet keep theirs.
  const carried = kept === undefined ? undefined : legacyArticles(kept, now);
  const problems = [
    problem,
    carried?.later && laterEditsDropped(`${MANIFEST_KEY} says`, carried.later.count, carried.later.first, carried.later.updated),
  ].filter((line): line is string => typeof line === 'string');
  return {
    manifest,
    ...withEtag,
    ...(carried ? { legacy: carried.articles } : {}),
    ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
  };
}

/** A JSON object: valibot's object and record schemas also take arrays, which no manifest holds. */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first version kept each item's hash and edit date; the rest of it is rebuilt. */
const LEGACY_MANIFEST = v.object({ version: v.literal(1), articles: v.custom<Record<string, unknown>>(isJsonObject) });
// A record without a hash says nothing to keep; an `updated` that is no string is dropped alone.
const LEGACY_ARTICLE = v.object({
  hash: v.string(),
  // An edit date no clock can read is dropped alone, as from a record of this version.
  updated: v.fallback(
    v.optional(
      v.pipe(
        v.string(),
        v.check((text) => !Number.isNaN(Date.parse(text))),
      ),
    ),
    undefined,
  ),
});

/** The kept records of a first-version manifest; an edit date after the run's clock is dropped, as from a manifest of this version. */
function legacyArticles(
  articles: Readonly<Record<string, unknown>>,
  now: Date,
): { articles: LegacyArticles; later?: { count: number; first: string; updated: string } } {
  const legacy = new Map<string, { hash: string; updated?: string }>();
  let later: { count: number; first: string; updated: string } | undefined;
  for (const [id, record] of Object.entries(articles)) {
    const parsed = v.safeParse(LEGACY_ARTICLE, record);
    if (!parsed.success) continue;
    const { hash, updated } = parsed.output;
    const afterClock = updated !== undefined && Date.parse(updated) > now.getTime();
    if (afterClock) later = later ? { ...later, count: later.count + 1 } : { count: 1, first: id, updated };
    legacy.set(id, updated === undefined || afterClock ? { hash } : { hash, updated });
  }
  return later === undefined ? { articles: legacy } : { articles: legacy, later };
}

const OBJECT_RECORD = v.object({ input: v.string(), etag: v.string(), output: v.optional(v.string()) }) satisfies v.GenericSchema<
  unknown,
  ObjectRecord
>;

// As Date.prototype.toISOString writes it, which is how a run records its instants: past year 9999
// (a draft held until 9999-12-31 in a zone behind UTC is due in year 10000) that is "+010000-…",
// which an ISO timestamp check refuses.
const ISO_INSTANT = v.pipe(
  v.string(),
  v.check((text) => {
    const time = Date.parse(text);
    return !Number.isNaN(time) && new Date(time).toISOString() === text;
  }, 'not an instant as toISOString writes it'),
);
const SETTLED = v.strictObject({
  listing: v.string(),
  settings: v.string(),
  from: ISO_INSTANT,
  until: v.optional(ISO_INSTANT),
  summary: v.strictObject({
    seeds: v.pipe(v.number(), v.integer(), v.minValue(0)),
    published: v.pipe(v.number(), v.integer(), v.minValue(0)),
    feedItems: v.pipe(v.number(), v.integer(), v.minValue(0)),
    objects: v.pipe(v.number(), v.integer(), v.minValue(0)),
    held: v.array(v.strictObject({ file: v.string(), date: v.string() })),
    rejected: v.array(v.strictObject({ file: v.string(), line: v.number(), reason: v.string(), keptPublished: v.boolean() })),
  }),
}) satisfies v.GenericSchema<unknown, SettledState>;

/** Oldest first, each after the one before; of one day, file names in the ranking's order (newerFirst), reversed. */
export function endsInOrder(ends: readonly ArchiveEnd[]): boolean {
  return ends.every(
    ([day, fileName], i) => i === 0 || ends[i - 1]![0] < day || (ends[i - 1]![0] === day && compareStrings(ends[i - 1]![1], fileName) > 0),
  );
}

const ARCHIVE_LAYOUT = v.strictObject({
  pageSize: v.pipe(v.number(), v.integer(), v.minValue(1)),
  ends: v.pipe(
    v.array(v.tuple([v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/)), v.string()])),
    // Oldest first, each after the one before: otherwise the pages would not be where they were.
    v.check((ends) => endsInOrder(ends), 'ends out of order'),
  ),
}) satisfies v.GenericSchema<unknown, ArchiveLayout>;

/** Every field but the records, in the order serializeManifest writes them. */
const HEAD_ENTRIES = {
  version: v.literal(MANIFEST_VERSION),
  pageSettings: v.optional(v.string()),
  siteSettings: v.optional(v.string()),
  siteInput: v.optional(v.string()),
  pendingPings: v.optional(v.array(v.string())),
  approvedLeaving: v.optional(v.array(v.string())),
  settled: v.optional(SETTLED),
  archive: v.optional(ARCHIVE_LAYOUT),
  legacyArticles: v.optional(v.pipe(v.custom<Record<string, unknown>>(isJsonObject), v.record(v.string(), LEGACY_ARTICLE))),
  // Written by serializeManifest, checked by readManifestHead; not part of the Manifest a run works with.
  records: v.optional(v.string()),
};
const MANIFEST_HEAD = v.strictObject(HEAD_ENTRIES) satisfies v.GenericSchema<unknown, ManifestHead>;

/** Where the records start, as serializeManifest writes them. */
const RECORDS_MARK = '\n "articles": ';
const RECORDS_START = Buffer.from(RECORDS_MARK);

// By the bytes read (which nothing changes): a run that reads the head and then the whole
// manifest hashes its records once.
const recordsDigests = new WeakMap<Uint8Array, string>();

/** The digest of the records: the bytes from `at` (where RECORDS_START is) to the end. */
function recordsDigestOf(bytes: Uint8Array, whole: Buffer, at: number): string {
  let value = recordsDigests.get(bytes);
  if (value === undefined) {
    value = digest(RECORDS_LAYOUT, whole.subarray(at));
    recordsDigests.set(bytes, value);
  }
  return value;
}

/**
 * The fields before the records, without parsing the records: a run whose listings match the
 * settled state needs nothing else. Undefined for a manifest this version did not write as it
 * writes them (a hand edit, an older layout, a file cut short or with anything after its end,
 * told by the digest of its records that the head carries): the run then reads it whole, with
 * every check, and says what is wrong with it.
 */
export function readManifestHead(bytes: Uint8Array | undefined): ManifestHead | undefined {
  if (bytes === undefined) return undefined;
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = whole.indexOf(RECORDS_START);
  if (at < 0) return undefined;
  const head = whole.subarray(0, at).toString('utf8');
  if (!head.endsWith(',')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(`${head.slice(0, -1)}\n}`);
  } catch {
    return undefined;
  }
  const result = v.safeParse(MANIFEST_HEAD, value);
  if (!result.success) return undefined;
  const { records, ...manifestHead } = result.output;
  return records !== undefined && records === recordsDigestOf(bytes, whole, at) ? manifestHead : undefined;
}

/**
 * The shape this version writes. Beyond types: a field it does not write means another writer or
 * a hand edit, and the run rebuilds rather than publish what it says.
 */
const MANIFEST_SCHEMA: v.GenericSchema<unknown, Manifest & { readonly records?: string }> = v.pipe(
  v.custom<Record<string, unknown>>(isJsonObject),
  v.strictObject({
    ...HEAD_ENTRIES,
    // Typed here, proved by the check that follows: see articleProblem.
    articles: v.pipe(
      v.custom<Readonly<Record<string, ArticleRecord>>>(isJsonObject),
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        // A slug is one article's for good: two records holding one would have the run delete the
        // page of one as it unpublishes the other, while the feeds link to it.
        const slugs = new Set<string>();
        for (const name of Object.keys(dataset.value)) {
          const problem = articleProblem(name, dataset.value[name]);
          const slug = problem === undefined ? dataset.value[name]!.slug : undefined;
          const duplicate = slug !== undefined && slugs.has(slug);
          if (slug !== undefined) slugs.add(slug);
          if (problem === undefined && !duplicate) continue;
          addIssue({ message: problem ?? `gives the slug ${quote(slug!)} to two records (the second: ${quote(name)})` });
          return;
        }
      }),
    ),
    objects: v.pipe(v.custom<Record<string, unknown>>(isJsonObject), v.record(v.string(), OBJECT_RECORD)),
  }),
);

/** Why the manifest cannot be trusted, in words, from where its first issue is. */
function manifestProblem(issue: v.BaseIssue<unknown> | undefined): string {
  // articleProblem words its own.
  if (issue?.type === 'raw_check') return issue.message;
  const [field, name] = (issue?.path ?? []).map((item) => String(item.key));
  if (field === undefined) return 'is not a JSON object';
  if (field === 'version') return `has unknown version ${JSON.stringify(issue?.input)}`;
  // strictObject says it expected "never" for a key it has no entry for.
  if (issue?.expected === 'never') return `has an unknown field ${JSON.stringify(field).slice(0, 80)}`;
  if (field === 'pendingPings') return 'has a malformed "pendingPings"';
  if (name !== undefined && (field === 'articles' || field === 'objects')) return `has a malformed record for ${JSON.stringify(name)}`;
  return field === 'articles' || field === 'objects' ? 'lacks "articles" or "objects"' : `has a malformed ${JSON.stringify(field)}`;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/**
 * The fields of an article record, and of the objects in it, in the order they are written: a
 * record is built by spreading the one before it, so its fields come in the order its history
 * added them (a seed deleted and brought back gets `seed` last), and the same state must give
 * the same bytes whatever the history.
 */
const ARTICLE_FIELD_ORDER = ['seed', 'rejected', 'hash', 'day', 'updated', 'slug', 'page', 'text'] as const;
const TEXT_FIELD_ORDER = ['title', 'lede', 'html', 'language'] as const;
/** JSON.stringify's replacer: at every level, these names in this order (the nested objects' names differ from the record's). */
const RECORD_KEY_ORDER = [
  ...ARTICLE_FIELD_ORDER.flatMap((field) => {
    if (field === 'rejected') return [field, 'line', 'reason', 'tooLarge', 'unreadable'];
    if (field === 'page') return [field, 'input', 'etag'];
    if (field === 'text') return [field, ...TEXT_FIELD_ORDER];
    return [field];
  }),
];
const ARTICLE_FIELDS = new Set<string>(ARTICLE_FIELD_ORDER);
const TEXT_FIELDS = new Set<string>(TEXT_FIELD_ORDER);
/**
 * Part of the records' digest: it says the records are laid out as this version writes them
 * (one a line, fields in RECORD_KEY_ORDER), so that only such lines are copied (recordLines).
 */
const RECORDS_LAYOUT = 'records: one a line, fields in a fixed order';

/**
 * What is wrong with one article record, or undefined. Plain checks written by hand rather than a
 * valibot schema, because they run for every article of the archive on every run: for 10,000
 * records, a strictObject of the same fields made parseManifest 1.8 times as slow (36 ms against
 * 21 ms; validating alone took 21 ms against 6 ms, JSON.parse being the other 15 ms). The
 * manifest around them is checked by valibot.
 */
function articleProblem(name: string, value: unknown): string | undefined {
  if (!isArticleRecord(value)) return `has a malformed record for ${quote(name)}`;
  for (const key in value)
    if (!ARTICLE_FIELDS.has(key)) return `has an unknown field ${JSON.stringify(key).slice(0, 80)} in the record for ${quote(name)}`;
  return undefined;
}

/**
 * Edit dates after the run's clock (the clock was set back, or the manifest was edited) are
 * dropped, so that no date from the future reaches a feed; the rest of each record, its slug
 * above all, stays, so every permalink stays where it is. What was made with those dates is
 * made again: the pages (their records keep the page, so the articles stay published, and the
 * settings digest the pages were checked by is forgotten, so every page's input is compared
 * with its record's: those made with a dropped date are read and written again under the same
 * slug) and the index and feeds (their input is forgotten).
 */
function withoutLaterEdits(manifest: Manifest, now: Date): { manifest: Manifest; problem?: string } {
  const later = Object.keys(manifest.articles).filter((name) => {
    const updated = manifest.articles[name]!.updated;
    return updated !== undefined && Date.parse(updated) > now.getTime();
  });
  if (later.length === 0) return { manifest };
  const articles = { ...manifest.articles };
  for (const name of later) {
    const { updated: _later, ...record } = articles[name]!;
    articles[name] = record;
  }
  const { siteInput: _siteInput, pageSettings: _pageSettings, ...rest } = manifest;
  const first = later[0]!;
  return {
    manifest: { ...rest, articles },
    problem: laterEditsDropped(`${MANIFEST_KEY} says`, later.length, first, manifest.articles[first]!.updated!),
  };
}

/**
 * What a run says of the edit dates after its clock it dropped (the first of them named): `says`
 * names where they came from, with its verb ("…manifest.json says").
 */
export function laterEditsDropped(says: string, count: number, first: string, updated: string): string {
  return count === 1
    ? `${says} ${quote(first)} was edited at ${updated}, after this run's clock; that edit date is dropped`
    : `${says} ${count} articles were edited after this run's clock (${quote(first)} at ${updated}); those edit dates are dropped`;
}

/** A name as JSON, cut short: a hand-edited manifest, or a feed's item id, may hold anything. */
function quote(name: string): string {
  return JSON.stringify(name).slice(0, 120);
}

function isArticleRecord(value: unknown): value is ArticleRecord {
  if (!isJsonObject(value)) return false;
  const { seed, hash, day, slug, updated, page, rejected, text } = value;
  if (seed !== undefined && typeof seed !== 'string') return false;
  if (hash !== undefined && typeof hash !== 'string') return false;
  if (day !== undefined && (typeof day !== 'string' || !DAY.test(day))) return false;
  if (slug !== undefined && (typeof slug !== 'string' || slug === '' || slug.includes('/'))) return false;
  if (updated !== undefined && (typeof updated !== 'string' || Number.isNaN(Date.parse(updated)))) return false;
  if (page !== undefined && !isObjectRecord(page)) return false;
  if (
    rejected !== undefined &&
    !(
      isJsonObject(rejected) &&
      typeof rejected.line === 'number' &&
      typeof rejected.reason === 'string' &&
      (rejected.tooLarge === undefined || rejected.tooLarge === true) &&
      (rejected.unreadable === undefined || rejected.unreadable === true)
    )
  )
    return false;
  if (
    text !== undefined &&
    !(
      isJsonObject(text) &&
      // As strict as the record around it: a field this version does not write means a hand edit.
      Object.keys(text).every((key) => TEXT_FIELDS.has(key)) &&
      typeof text.title === 'string' &&
      typeof text.lede === 'string' &&
      typeof text.html === 'string' &&
      // Written into the feeds and pages as it is: a tag no seed could have given means a hand edit.
      (text.language === undefined || (typeof text.language === 'string' && LANGUAGE_TAG.test(text.language)))
    )
  )
    return false;
  // A published article has a slug, a day and a hash; nothing else can render it. And a seed:
  // a record without one is what is left once the seed is gone, and is never published. One
  // made from the published feeds for an article whose seed is gone (GONE_SEED) has only its
  // slug: it is never rendered, only unpublished.
  return (
    page === undefined ||
    (seed !== undefined && slug !== undefined && day !== undefined && hash !== undefined) ||
    (seed === GONE_SEED && slug !== undefined)
  );
}

/** OBJECT_RECORD's check, by hand for the same reason: every published record has one. */
function isObjectRecord(value: unknown): value is ObjectRecord {
  if (!isJsonObject(value) || typeof value.input !== 'string' || typeof value.etag !== 'string') return false;
  for (const key in value) if (key !== 'input' && key !== 'etag') return false;
  return true;
}

/**
 * The bytes a manifest's article records were read from, one record a line in key order, with
 * the records they were parsed into. A run carries most records forward as the very objects it
 * read, and serializeManifest copies their lines instead of writing each record again: for
 * 10,000 articles that was most of the cost of writing the manifest back.
 */
interface RecordLines {
  readonly bytes: Buffer;
  /** Where the first record's line starts. */
  readonly start: number;
  /** The record names in the order of their lines. */
  readonly names: readonly string[];
  readonly records: Readonly<Record<string, ArticleRecord>>;
}

/** By the manifest parseManifest returned: the lines its records came from. */
const recordSources = new WeakMap<Manifest, RecordLines>();

/**
 * The lines of a manifest whose records digest to what its head says, that is, written by
 * serializeManifest: each line is then exactly what serializeManifest writes for its record, so
 * copying it gives the same bytes. Undefined otherwise (the records are then written afresh).
 */
function recordLines(
  bytes: Uint8Array,
  whole: Buffer,
  records: Readonly<Record<string, ArticleRecord>>,
  recordsDigest: string | undefined,
): RecordLines | undefined {
  const at = whole.indexOf(RECORDS_START);
  if (recordsDigest === undefined || at < 0 || recordsDigest !== recordsDigestOf(bytes, whole, at)) return undefined;
  const names = Object.keys(records);
  // JavaScript lists names like "12" first, whatever the order of the lines they were read from.
  for (let i = 1; i < names.length; i++) if (!(names[i - 1]! < names[i]!)) return undefined;
  return { bytes: whole, start: at + RECORDS_START.length + 2, names, records };
}

/**
 * The article records' lines in key order: each record the read manifest held, unchanged, as the
 * line it was read from; any other written afresh, its fields in RECORD_KEY_ORDER.
 */
function articleLines(articles: Readonly<Record<string, ArticleRecord>>, source: RecordLines | undefined): Buffer[] {
  const lines: Buffer[] = [];
  let next = 0;
  let lineStart = source?.start ?? 0;
  // Any fixed order does for the file: the default sort's (UTF-16 code units) needs no call per
  // comparison, and the walk below compares names the same way.
  for (const name of Object.keys(articles).sort()) {
    const record = articles[name]!;
    if (source) {
      // Both lists are in key order: walk the source's lines up to this name.
      while (next < source.names.length && source.names[next]! < name) {
        lineStart = source.bytes.indexOf(NEWLINE, lineStart) + 1;
        next++;
      }
      if (source.names[next] === name && source.records[name] === record) {
        const end = source.bytes.indexOf(NEWLINE, lineStart);
        // Every line but the last ends with the comma that separates it from the next.
        lines.push(source.bytes.subarray(lineStart, next < source.names.length - 1 ? end - 1 : end));
        continue;
      }
    }
    lines.push(Buffer.from(`  ${JSON.stringify(name)}: ${JSON.stringify(record, RECORD_KEY_ORDER)}`));
  }
  return lines;
}

const NEWLINE = 0x0a;
const LINE_BREAK = Buffer.from(',\n');

/**
 * Keys sorted, one record a line: the same state gives the same bytes, and a diff shows what
 * changed. `basis`: the manifest this one was made from, as parseManifest returned it, whose
 * unchanged records are copied as they were read.
 */
export function serializeManifest(manifest: Manifest, basis?: Manifest): Uint8Array {
  const lines = (record: Readonly<Record<string, unknown>>) =>
    Object.keys(record)
      .sort()
      .map((key) => `  ${JSON.stringify(key)}: ${JSON.stringify(record[key])}`)
      .join(',\n');
  const section = (record: Readonly<Record<string, unknown>>) => (Object.keys(record).length === 0 ? '{}' : `{\n${lines(record)}\n }`);
  const articles = articleLines(manifest.articles, basis && recordSources.get(basis));
  const articlesSection: Buffer[] = [Buffer.from(articles.length === 0 ? '{}' : '{\n')];
  for (const [i, line] of articles.entries()) articlesSection.push(...(i === 0 ? [line] : [LINE_BREAK, line]));
  if (articles.length > 0) articlesSection.push(Buffer.from('\n }'));
  const settings = (['pageSettings', 'siteSettings', 'siteInput'] as const)
    .filter((field) => manifest[field] !== undefined)
    .map((field) => `\n ${JSON.stringify(field)}: ${JSON.stringify(manifest[field])},`)
    .join('');
  // Left out when empty, so a site without a hub, or with nothing pending, keeps its bytes.
  const pings = manifest.pendingPings?.length ? `\n "pendingPings": ${JSON.stringify(manifest.pendingPings)},` : '';
  const approved = manifest.approvedLeaving?.length ? `\n "approvedLeaving": ${JSON.stringify(manifest.approvedLeaving)},` : '';
  const settled = manifest.settled ? `\n "settled": ${JSON.stringify(manifest.settled)},` : '';
  const archive = manifest.archive ? `\n "archive": ${JSON.stringify(manifest.archive)},` : '';
  const legacy = manifest.legacyArticles ? `\n "legacyArticles": ${JSON.stringify(manifest.legacyArticles)},` : '';
  // The head says what the records' bytes digest to, so that a run reading only the head knows
  // the rest of the file is what this version wrote after it (see readManifestHead).
  const records = Buffer.concat([RECORDS_START, ...articlesSection, Buffer.from(`,\n "objects": ${section(manifest.objects)}\n}\n`)]);
  const head = `{\n "version": ${MANIFEST_VERSION},${settings}${pings}${approved}${settled}${archive}${legacy}\n "records": ${JSON.stringify(digest(RECORDS_LAYOUT, records))},`;
  return Buffer.concat([Buffer.from(head), records]);
}
