/**
 * The pure half of a publish run: from what the listings show, what the manifest remembers and
 * the seeds read this run, decide each object's bytes and whether it must be written. No I/O and
 * no clock here (the caller passes `now`), so every decision is tested without a bucket.
 *
 * Three steps, in the order the executor (publish.ts) runs them:
 *  1. `seedsToRead` and `unpublishGuard`: from the listings and the manifest alone.
 *  2. `planArticle`: one seed read this run → its next record and, when due, its page.
 *  3. `planSite`: every record → the feeds' items, the index, the feeds, the pages to delete and
 *     the next manifest.
 */
import { createHash } from 'node:crypto';
import { baseSlug, itemId, uniqueSlug } from '../article/identity.js';
import { DEFAULT_LIMITS, type Limits } from '../config/limits.js';
import { CONTENT_TYPES, SITE_FILES } from '../site-files.js';
import { compareStrings } from '../text/order.js';
import { decodeSeed, parseArticle } from '../article/parse.js';
import type { Article, ArticleError } from '../article/types.js';
import type { FeedConfig } from '../config.js';
import { articlePath, entryText, feedChannel, publishedArticle, publishedAt, publishedInstant, type EntryText } from '../feed/items.js';
import { buildFeedModel, compareItems, type PublishedArticle } from '../feed/model.js';
import { renderWithinLimit } from '../feed/fit.js';
import { articlePage, PAGE_TEMPLATE_VERSION, pageSettings } from '../site/article-page.js';
import { indexPage } from '../site/index-page.js';
import { notFoundPage } from '../site/not-found-page.js';
import type { ListedObject } from '../storage/storage.js';
import { digest, type ArticleRecord, type LegacyArticles, type Manifest, type ObjectRecord } from './manifest.js';

/**
 * Raised whenever the index template, a feed renderer or the `feed` package changes the bytes
 * of the index or the feeds: their recorded input changes with it, so the next run renders
 * them again. Between such changes, a run whose feed items and settings are unchanged does not
 * render them at all.
 */
export const SITE_RENDER_VERSION = 1;

/** A seed as a listing shows it. */
export interface SeedListing {
  readonly fileName: string;
  /** ETag in a bucket, size and modification time in a folder: changes whenever the bytes do. */
  readonly signature: string;
  /** Bytes, as listed: a seed over the limit is refused without being read. */
  readonly size: number;
}

/** What a run is asked to produce, beside the seeds. */
export interface PlanSettings {
  readonly config: FeedConfig;
  readonly cacheControl: string;
  /** The share of published articles a run may unpublish without `force` (0.2 = 20 %). */
  readonly maxUnpublishShare: number;
  /** Default DEFAULT_LIMITS. */
  readonly limits?: Limits;
}

/** An object to write, with the record the manifest keeps of it once written. */
export interface PlannedPut {
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly input: string;
}

/**
 * The article as parsed, not as typed: whitespace or line-ending edits are not changes. The
 * manifest compares it with the last run's to date edits, so a change to what it covers or how
 * would stamp every article as edited: keep it stable (the first manifest version's hash is
 * recomputed below only to carry its dates over).
 */
export function articleHash(article: Article): string {
  return digest(articleJson(article));
}

/** The same, as the first manifest version spelt it (a full SHA-256), to carry its edit dates over. */
function legacyArticleHash(article: Article): string {
  return createHash('sha256').update(articleJson(article)).digest('hex');
}

function articleJson(article: Article): string {
  return JSON.stringify({ date: article.date.iso, title: article.title, blocks: article.blocks });
}

/** Whether the record says the article is published now (its last good version has a page). */
export function isPublished(record: ArticleRecord | undefined): boolean {
  return record?.page !== undefined;
}

/**
 * Step 1: the seeds this run must read, in file-name order. A seed whose listing matches the
 * manifest is read only when its page must be rendered again (a setting, the template or the
 * page's object changed, or its day has come) and its last version parsed.
 */
export function seedsToRead(
  seeds: readonly SeedListing[],
  manifest: Manifest,
  objects: ReadonlyMap<string, ListedObject>,
  settings: PlanSettings,
  now: Date,
  force: boolean,
): string[] {
  const read: string[] = [];
  const sameSettings = manifest.pageSettings === pageSettingsDigest(settings);
  for (const seed of seeds) {
    const record = manifest.articles[seed.fileName];
    if (force || record?.seed !== seed.signature) read.push(seed.fileName);
    else if (
      record.rejected === undefined &&
      record.hash !== undefined &&
      record.day !== undefined &&
      !pageIsCurrent(record, objects, settings, now, sameSettings)
    ) {
      read.push(seed.fileName);
    }
  }
  return read.sort(compareStrings);
}

/** A record whose page is in the bucket as last written and made from the same input, or that is not due yet. */
function pageIsCurrent(
  record: ArticleRecord,
  objects: ReadonlyMap<string, ListedObject>,
  settings: PlanSettings,
  now: Date,
  sameSettings: boolean,
): boolean {
  if (record.page === undefined) {
    // Not published: nothing to do while it is held; once its day has come it must be read.
    return record.day === undefined || publishedInstant(record.day, settings.config) > now.getTime();
  }
  if (record.slug === undefined || record.hash === undefined || record.day === undefined) return false;
  if (objects.get(articlePath(record.slug))?.etag !== record.page.etag) return false;
  // The record is unchanged, so with unchanged settings its page's input is too: no hash to compute.
  return sameSettings || record.page.input === pageInput(settings, record.hash, record.slug, record.day, record.updated);
}

/** Digest of the settings pages are rendered with, as the manifest records it. */
export function pageSettingsDigest(settings: PlanSettings): string {
  return digest(pageSettingsKey(settings));
}

/**
 * The guard against a run that would take down much of the site (a seeds folder emptied by
 * mistake, a wrong SEEDS_PREFIX): the published articles whose seeds are gone, and the message
 * to fail with when they are more than the allowed share.
 */
export function unpublishGuard(
  seeds: readonly SeedListing[],
  manifest: Manifest,
  maxShare: number,
): { readonly gone: readonly string[]; readonly published: number; readonly refusal?: string } {
  const listed = new Set(seeds.map((seed) => seed.fileName));
  const publishedNames = Object.keys(manifest.articles).filter((name) => isPublished(manifest.articles[name]));
  const gone = publishedNames.filter((name) => !listed.has(name)).sort(compareStrings);
  const allowed = Math.floor(publishedNames.length * maxShare);
  if (gone.length <= allowed) return { gone, published: publishedNames.length };
  return {
    gone,
    published: publishedNames.length,
    refusal:
      `this run would unpublish ${gone.length} of ${publishedNames.length} published articles, more than the ` +
      `${Math.round(maxShare * 100)} % allowed (UNPUBLISH_MAX_SHARE); their seeds are gone (${preview(gone)}). ` +
      'Nothing was written. If that is intended, run again with force.',
  };
}

function preview(names: readonly string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** Hash of everything an article page is made from: a change to anything else leaves the page alone. */
export function pageInput(settings: PlanSettings, hash: string, slug: string, day: string, updated: string | undefined): string {
  return digest(pageSettingsKey(settings), hash, slug, day, updated ?? '');
}

// Computed once per settings object: a run asks for it once per published article.
const settingsKeys = new WeakMap<PlanSettings, string>();
function pageSettingsKey(settings: PlanSettings): string {
  let key = settingsKeys.get(settings);
  if (key === undefined) {
    key = JSON.stringify([pageSettings(settings.config), CONTENT_TYPES.html, settings.cacheControl]);
    settingsKeys.set(settings, key);
  }
  return key;
}

/** A seed that cannot be published as listed: its last good version, if any, stays as it was. */
export function rejectedArticle(seed: SeedListing, previous: ArticleRecord | undefined, error: ArticleError): ArticlePlan {
  return { record: { ...previous, seed: seed.signature, rejected: { line: error.line, reason: error.reason } }, rejection: error };
}

/** Why a seed is too large to read, or undefined. */
export function oversizeSeed(seed: SeedListing, settings: PlanSettings): ArticleError | undefined {
  const limit = (settings.limits ?? DEFAULT_LIMITS).seedBytes;
  if (seed.size <= limit) return undefined;
  return {
    fileName: seed.fileName,
    line: 1,
    reason: `the file is ${formatBytes(seed.size)}, over the ${formatBytes(limit)} a seed may have (MAX_SEED_BYTES); it was not read`,
  };
}

/** 1 MiB, 512 KiB, 300 bytes: the way limits are set. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** The result of reading one seed this run. */
export interface ArticlePlan {
  readonly record: ArticleRecord;
  /** Set when the article is published and its page must be written. */
  readonly page?: PlannedPut;
  /** The article's entry text, when it parsed (the feeds may need it). */
  readonly text?: EntryText;
  /** Why the seed as read could not be published; its last good version, if any, stays. */
  readonly rejection?: ArticleError;
}

export interface ArticleContext {
  readonly settings: PlanSettings;
  readonly now: Date;
  readonly force: boolean;
  /** The page object as listed, if there is one. */
  readonly listed: ListedObject | undefined;
  /** Slugs given out so far, by earlier runs and earlier in this one; a new slug is added by the caller. */
  readonly usedSlugs: ReadonlySet<string>;
  readonly legacy?: LegacyArticles;
}

/**
 * Step 2: one seed read this run. An edit gets `updated` set to `now`; the first publication
 * fixes the slug; a seed that no longer parses keeps its last good version published.
 */
export function planArticle(
  seed: SeedListing,
  bytes: Uint8Array,
  previous: ArticleRecord | undefined,
  context: ArticleContext,
): ArticlePlan {
  const { settings, now } = context;
  const decoded = decodeSeed(seed.fileName, bytes);
  const parsed = decoded.ok ? parseArticle(seed.fileName, decoded.text) : decoded;
  // The last good version stays as it was, page and all; only what was read is new.
  if (!parsed.ok) return rejectedArticle(seed, previous, parsed.error);
  const article = parsed.article;
  const hash = articleHash(article);
  const legacy = previous === undefined ? context.legacy?.get(itemId(settings.config.idPrefix, seed.fileName)) : undefined;
  const before =
    previous?.hash !== undefined
      ? { hash: previous.hash, updated: previous.updated }
      : legacy && { hash: legacy.hash === legacyArticleHash(article) ? hash : '', updated: legacy.updated };
  // First seen: dated by its calendar day alone. Changed since: updated now. Else as it was.
  const updated = before === undefined ? undefined : before.hash === hash ? before.updated : now.toISOString();
  const day = article.date.iso;
  const text = entryText(article);
  const due = publishedAt(day, settings.config) <= now;
  const { page: _page, text: _text, rejected: _rejected, ...kept } = previous ?? {};
  const base: ArticleRecord = {
    ...kept,
    seed: seed.signature,
    hash,
    day,
    ...(updated === undefined ? {} : { updated }),
  };
  if (!due) {
    // Held (or moved to a later day): not published, so no page; its slug, if any, stays reserved.
    return { record: base, text };
  }
  const slug = previous?.slug ?? uniqueSlug(baseSlug(article), context.usedSlugs);
  const input = pageInput(settings, hash, slug, day, updated);
  const record: ArticleRecord = { ...base, slug };
  const current = previous?.page;
  if (!context.force && current !== undefined && current.input === input && context.listed?.etag === current.etag) {
    return { record: { ...record, page: current }, text };
  }
  const html = articlePage(publishedArticle({ fileName: seed.fileName, day, slug, updated, text }, settings.config), settings.config);
  const body = Buffer.from(html, 'utf8');
  return { record, text, page: { key: articlePath(slug), body, contentType: CONTENT_TYPES.html, input } };
}

export interface SitePlan {
  /** The index, the three feeds and the 404 page that differ from what the bucket holds, in write order. */
  readonly puts: readonly PlannedPut[];
  /** The same objects that are already as they should be. */
  readonly unchanged: readonly string[];
  /** Pages of articles no longer published: deleted after the feeds stop linking to them. */
  readonly deletes: readonly string[];
  readonly items: readonly PublishedArticle[];
  /** Things the run should say: the feeds' size limit, when it applied. */
  readonly warnings: readonly string[];
  /** Whether the next manifest can differ from the previous one in more than its records. */
  readonly digestsChanged: boolean;
  /** The next manifest, once the run's writes have their ETags. */
  manifest(etags: ReadonlyMap<string, string>): Manifest;
}

export interface SiteInput {
  readonly settings: PlanSettings;
  readonly now: Date;
  readonly force: boolean;
  readonly previous: Manifest;
  /** Every record after this run's reads: unread seeds keep their previous record. */
  readonly records: ReadonlyMap<string, ArticleRecord>;
  /** Entry text of articles read this run (at least those among the feeds' items). */
  readonly texts: ReadonlyMap<string, EntryText>;
  readonly objects: ReadonlyMap<string, ListedObject>;
}

/** A feed item that has no text yet: the caller reads its seed and plans the site again. */
export class MissingText extends Error {
  constructor(readonly fileNames: readonly string[]) {
    super(`entry text needed for ${fileNames.join(', ')}`);
    this.name = 'MissingText';
  }
}

/**
 * The newest published articles, by publish instant then id: the feeds' items and the index.
 * Kept with their text in the manifest, so the next run that changes none of them reads none.
 */
export function feedWindow(
  records: ReadonlyMap<string, ArticleRecord>,
  config: FeedConfig,
): { fileName: string; record: ArticleRecord; published: Date }[] {
  const published: { fileName: string; record: ArticleRecord; instant: number }[] = [];
  for (const [fileName, record] of records) {
    // A seed that broke while outside the feeds has no text left to show: its page stays, the feeds go without it.
    if (record.page !== undefined && record.day !== undefined && (record.rejected === undefined || record.text !== undefined)) {
      published.push({ fileName, record, instant: publishedInstant(record.day, config) });
    }
  }
  // Only the newest `itemLimit` matter: everything older than the limit-th newest instant is
  // left out before the full comparison (which needs ids) sorts the rest.
  const instants = Float64Array.from(published, (entry) => entry.instant).sort();
  const threshold = instants.length > config.itemLimit ? instants[instants.length - config.itemLimit]! : -Infinity;
  return published
    .filter((entry) => entry.instant >= threshold)
    .map((entry) => ({
      fileName: entry.fileName,
      record: entry.record,
      published: new Date(entry.instant),
      id: itemId(config.idPrefix, entry.fileName),
    }))
    .sort(compareItems)
    .slice(0, config.itemLimit)
    .map(({ fileName, record, published: at }) => ({ fileName, record, published: at }));
}

/**
 * Step 3: the index and the feeds from the window's records, the pages to delete, and the next
 * manifest. Throws MissingText when a feed item's text is neither in the manifest nor read this run.
 */
export function planSite(input: SiteInput): SitePlan {
  const { settings, previous, records, texts, objects, force } = input;
  const { config } = settings;
  const window = feedWindow(records, config);
  const missing = window
    .filter(({ fileName, record }) => texts.get(fileName) === undefined && record.text === undefined)
    .map(({ fileName }) => fileName);
  if (missing.length > 0) throw new MissingText(missing);

  const items = window.map(({ fileName, record, published }) =>
    publishedArticle(
      { fileName, day: record.day!, slug: record.slug!, updated: record.updated, text: texts.get(fileName) ?? record.text! },
      config,
      published,
    ),
  );
  // Everything the index, the feeds and the 404 page are made from; unchanged and all in the bucket as
  // written, they are not rendered at all.
  const siteInput = digest(JSON.stringify([SITE_RENDER_VERSION, PAGE_TEMPLATE_VERSION, config, settings.cacheControl, items]));
  const siteKeys = Object.values(SITE_FILES);
  const siteIsCurrent =
    !force &&
    previous.siteInput === siteInput &&
    siteKeys.every((key) => previous.objects[key] !== undefined && objects.get(key)?.etag === previous.objects[key]!.etag);
  const model = siteIsCurrent
    ? undefined
    : buildFeedModel(
        feedChannel(config),
        items.map((entry) => entry.item),
        config.itemLimit,
      );
  const site: { key: string; text: string; contentType: string }[] = [];
  const warnings: string[] = [];
  if (model) {
    const limit = (settings.limits ?? DEFAULT_LIMITS).feedBytes;
    const { documents, withoutText, largestBytes, stillOver } = renderWithinLimit(model, limit);
    if (withoutText > 0) {
      warnings.push(
        `the feeds would be over ${formatBytes(limit)} (MAX_FEED_BYTES): the full text of the ${withoutText} oldest of their ${model.items.length} items is left out; their summary and link remain` +
          (stillOver ? `; even so the largest is ${formatBytes(largestBytes)}: lower itemLimit` : ''),
      );
    }
    site.push(
      { key: SITE_FILES.index, text: indexPage(items, config), contentType: CONTENT_TYPES.html },
      { key: SITE_FILES.rss, text: documents.rss, contentType: CONTENT_TYPES.rss },
      { key: SITE_FILES.atom, text: documents.atom, contentType: CONTENT_TYPES.atom },
      { key: SITE_FILES.json, text: documents.json, contentType: CONTENT_TYPES.json },
      { key: SITE_FILES.notFound, text: notFoundPage(config), contentType: CONTENT_TYPES.html },
    );
  }
  const puts: PlannedPut[] = [];
  const unchanged: string[] = siteIsCurrent ? siteKeys : [];
  const siteRecords: Record<string, ObjectRecord> = siteIsCurrent
    ? Object.fromEntries(siteKeys.map((key) => [key, previous.objects[key]!]))
    : {};
  for (const object of site) {
    const body = Buffer.from(object.text, 'utf8');
    // The index and feeds are small: always rendered, and written when their bytes or headers differ.
    const objectInput = digest(object.contentType, settings.cacheControl, body);
    const before = previous.objects[object.key];
    if (!force && before !== undefined && before.input === objectInput && objects.get(object.key)?.etag === before.etag) {
      unchanged.push(object.key);
      siteRecords[object.key] = before;
    } else {
      puts.push({ key: object.key, body, contentType: object.contentType, input: objectInput });
    }
  }

  // Pages of articles that were published and no longer are (seed gone, or moved to a later day).
  const deletes: string[] = [];
  for (const [fileName, before] of Object.entries(previous.articles)) {
    if (before.page === undefined || before.slug === undefined) continue;
    const now = records.get(fileName);
    if (now?.page !== undefined) continue;
    const key = articlePath(before.slug);
    if (objects.has(key)) deletes.push(key);
  }
  deletes.sort(compareStrings);

  const windowNames = new Set(window.map(({ fileName }) => fileName));
  return {
    puts,
    unchanged,
    deletes,
    items,
    warnings,
    digestsChanged: previous.siteInput !== siteInput || previous.pageSettings !== pageSettingsDigest(settings),
    manifest(etags) {
      const articles: Record<string, ArticleRecord> = {};
      for (const [fileName, record] of records) {
        const text = windowNames.has(fileName) ? (texts.get(fileName) ?? record.text) : undefined;
        // Most records are kept as they are: a copy of each would double the manifest in memory.
        if (text === record.text) {
          articles[fileName] = record;
          continue;
        }
        const { text: _text, ...rest } = record;
        articles[fileName] = text ? { ...rest, text } : rest;
      }
      const objectsAfter: Record<string, ObjectRecord> = { ...siteRecords };
      for (const put of puts) {
        const etag = etags.get(put.key);
        if (etag !== undefined) objectsAfter[put.key] = { input: put.input, etag };
      }
      return { version: previous.version, pageSettings: pageSettingsDigest(settings), siteInput, articles, objects: objectsAfter };
    },
  };
}

/**
 * Every record once the seeds read this run are planned: unread seeds keep their record, and a
 * seed that is gone leaves a tombstone (day, hash, slug, updated) so its slug is never given to
 * another article and, should it come back unchanged, it is not new.
 */
export function recordsAfterReads(
  seeds: readonly SeedListing[],
  previous: Manifest,
  planned: ReadonlyMap<string, ArticleRecord>,
): Map<string, ArticleRecord> {
  const records = new Map<string, ArticleRecord>();
  for (const seed of seeds) {
    const record = planned.get(seed.fileName) ?? previous.articles[seed.fileName];
    if (record !== undefined) records.set(seed.fileName, record);
  }
  for (const [fileName, record] of Object.entries(previous.articles)) {
    if (records.has(fileName)) continue;
    if (record.seed === undefined) {
      records.set(fileName, record);
      continue;
    }
    const { seed: _seed, page: _page, text: _text, rejected: _rejected, ...tombstone } = record;
    records.set(fileName, tombstone);
  }
  return records;
}
