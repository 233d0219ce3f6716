/**
 * The pure half of a publish run: from what the listings show, what the manifest remembers and
 * the seeds read this run, decide each object's bytes and whether it must be written. No I/O and
 * no clock here (the caller passes `now`), so every decision is tested without a bucket.
 *
 * Three steps, in the order the executor (publish.ts) runs them:
 *  1. `seedsToRead` and `unpublishGuard`: from the listings and the manifest alone.
 *  2. `planArticle`: one seed read this run → its next record and, when due, its page.
 *  3. `planSite`: every record → the feeds' items, the index, the feeds, the pages to delete and
 *     the next manifest. The order it ranks articles in is ranking.ts's, and the archive pages
 *     it cuts them into are archive-pages.ts's.
 */
import { createHash } from 'node:crypto';
import { baseSlug, itemId, uniqueSlug } from '../article/identity.js';
import { DEFAULT_LIMITS, type Limits } from '../config/limits.js';
import { ARCHIVE_PREFIX, archiveDocument, archiveKeys, CONTENT_TYPES, SITE_FILES } from '../site-files.js';
import { compareStrings } from '../text/order.js';
import { decodeSeed, parseArticle } from '../article/parse.js';
import type { Article, ArticleError } from '../article/types.js';
import type { FeedConfig } from '../config.js';
import { articlePath, entryText, feedChannel, publishedArticle, publishedAt, publishedInstant, type EntryText } from '../feed/items.js';
import { buildFeedModel, compareItems } from '../feed/model.js';
import { type FittedFeeds, renderWithinLimit, SHORTEST_CUT } from '../feed/fit.js';
import { type FormatUrls, withHistory } from '../feed/history.js';
import { articlePage, PAGE_TEMPLATE_VERSION, pageSettings } from '../site/article-page.js';
import { indexPage } from '../site/index-page.js';
import { FEED_STYLESHEET } from '../site/feed-style.js';
import { notFoundPage } from '../site/not-found-page.js';
import type { ListedObject } from '../storage/storage.js';
import { printableName } from '../text/printable.js';
import { type ArchivePage, archivePages } from './archive-pages.js';
import { isRanked, newerFirst, type Ranked, rankPublished } from './ranking.js';
import {
  digest,
  GONE_SEED,
  type ArchiveLayout,
  type ArticleRecord,
  type LegacyArticles,
  type Manifest,
  type ObjectRecord,
} from './manifest.js';

/**
 * Raised whenever the index template, feed.css, a feed renderer or the `feed` package changes
 * the bytes of the index, the stylesheet or the feeds: their recorded input changes with it, so
 * the next run renders them again. Between such changes, a run whose feed items and settings are
 * unchanged does not render them at all.
 */
export const SITE_RENDER_VERSION = 5;

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
  /** Default: the run's Cache-Control. */
  readonly cacheControl?: string;
  /** An archive document's hash of its bytes and headers (ObjectRecord.output). */
  readonly output?: string;
  /**
   * The ETag under which the bucket already holds these bytes and headers, as the manifest
   * recorded them: the object is recorded anew, not written again.
   */
  readonly heldAs?: string;
}

/**
 * Hash of an object's bytes and headers as written: the input of the index, the feeds and the
 * site's other files, and the output of an archive document. A run compares it with the record
 * to know an object it made again holds what it last wrote.
 */
export function writtenHash(contentType: string, cacheControl: string, body: Uint8Array): string {
  return digest(contentType, cacheControl, body);
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
  // An undefined language is left out by JSON.stringify: articles without a `lang` line keep their hash.
  return JSON.stringify({ date: article.date.iso, title: article.title, blocks: article.blocks, language: article.language });
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
  const seedLimit = (settings.limits ?? DEFAULT_LIMITS).seedBytes;
  for (const seed of seeds) {
    const record = manifest.articles[seed.fileName];
    if (force || record?.seed !== seed.signature) read.push(seed.fileName);
    // Over the limit now, or refused for being over it before: the limit may have changed. A seed
    // over it is refused again from its listing (not read); one now under it is read and parsed.
    // Unreadable before: read again, as nothing in the listing says whether it can be now.
    else if (seed.size > seedLimit || record.rejected?.tooLarge || record.rejected?.unreadable) read.push(seed.fileName);
    else if (
      // A refused seed is looked at again only for the page of its last good version (keptVersion).
      (record.rejected === undefined || record.page !== undefined) &&
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

/** The articles published before this run, and those of them (in file-name order) the run takes off the site. */
export interface Leaving {
  readonly published: number;
  readonly leaving: readonly string[];
}

function publishedNames(manifest: Manifest): string[] {
  return Object.keys(manifest.articles).filter((name) => isPublished(manifest.articles[name]));
}

/**
 * The guard against a run that would take down much of the site (a seeds folder emptied by
 * mistake, a wrong SEEDS_PREFIX): the message to fail with when the published articles whose
 * seeds are gone are more than the allowed share, naming them; undefined otherwise.
 * `publishedBefore` as for leavingArticles.
 */
export function unpublishGuard(
  seeds: readonly SeedListing[],
  manifest: Manifest,
  maxShare: number,
  publishedBefore?: number,
): string | undefined {
  const gone = goneArticleNames(seeds, manifest);
  return refusal(
    { published: Math.max(publishedBefore ?? 0, publishedNames(manifest).length), leaving: notApproved(gone, manifest) },
    maxShare,
    (names) => `; their seeds are gone (${names}). Nothing was written.`,
  );
}

/** The published articles whose seeds are not listed, in byte order. */
export function goneArticleNames(seeds: readonly SeedListing[], manifest: Manifest): string[] {
  const listed = new Set(seeds.map((seed) => seed.fileName));
  return publishedNames(manifest)
    .filter((name) => !listed.has(name))
    .sort(compareStrings);
}

/** Those of `names` that no forced run approved unpublishing (Manifest.approvedLeaving): the ones the guard counts. */
export function notApproved(names: readonly string[], manifest: Manifest): string[] {
  if (!manifest.approvedLeaving?.length) return [...names];
  const approved = new Set(manifest.approvedLeaving);
  return names.filter((name) => !approved.has(name));
}

/**
 * Every article that leaves the site this run, whatever the reason (seed gone, now dated later),
 * and whether or not its page is still there to delete. `publishedBefore`: how many were
 * published, where the manifest's records may name fewer (they were lost, and the published
 * feeds were read back: see recovered.ts).
 */
export function leavingArticles(previous: Manifest, records: ReadonlyMap<string, ArticleRecord>, publishedBefore?: number): Leaving {
  const published = publishedNames(previous);
  return {
    published: Math.max(publishedBefore ?? 0, published.length),
    leaving: published.filter((name) => !isPublished(records.get(name))).sort(compareStrings),
  };
}

/** The most a zone is ahead of UTC (Pacific/Kiritimati, UTC+14). */
const FURTHEST_AHEAD_MS = 14 * 3_600_000;

/**
 * Those of `names` (leaving) that are held again, not taken down: still listed, dated the day
 * they were published, their day begun somewhere by this run's clock (so not an article kept out
 * only because the clock is set back days behind it), and not out yet under the current
 * publishTime and timeZone, which moved later since. They are back at that instant, within two
 * days, so the guard does not count them: a small site whose publish time moved would be
 * refused otherwise.
 */
export function heldAgainBySchedule(
  names: readonly string[],
  seeds: readonly SeedListing[],
  previous: Manifest,
  records: ReadonlyMap<string, ArticleRecord>,
  settings: PlanSettings,
  now: Date,
): Set<string> {
  const listed = new Set(seeds.map((seed) => seed.fileName));
  const begunUntil = new Date(now.getTime() + FURTHEST_AHEAD_MS).toISOString().slice(0, 10);
  return new Set(
    names.filter((name) => {
      const day = records.get(name)?.day;
      return (
        listed.has(name) &&
        day !== undefined &&
        day === previous.articles[name]?.day &&
        day <= begunUntil &&
        publishedInstant(day, settings.config) > now.getTime()
      );
    }),
  );
}

/**
 * The guard again, once the changed seeds are read and before the feeds change: an article also
 * leaves the site when its seed moves it to a later day, so a batch edit of dates gone wrong is
 * refused as a seeds folder emptied by mistake is. The message, or undefined. `notCounted`: those
 * leaving that the share leaves out (heldAgainBySchedule); the message still names them.
 */
export function unpublishAfterReadsGuard(
  leaving: Leaving,
  maxShare: number,
  notCounted: ReadonlySet<string> = new Set(),
): string | undefined {
  return refusal(
    leaving,
    maxShare,
    (names) => `: ${names}, whose seeds are gone or now dated later. Nothing was unpublished and the feeds are as they were.`,
    leaving.leaving.filter((name) => !notCounted.has(name)).length,
  );
}

/**
 * Both guards' message when more than the share leaves (`counted` of them, all by default; the
 * message names them all); `why` names the articles (a preview) and what was left undone.
 */
function refusal(
  { published, leaving }: Leaving,
  maxShare: number,
  why: (names: string) => string,
  counted = leaving.length,
): string | undefined {
  // Rounded first: 50 × 0.58 is 28.999999999999996 in floating point, and 29 of 50 is not more than 58 %.
  if (counted <= Math.floor(Math.round(published * maxShare * 1e9) / 1e9)) return undefined;
  return (
    `this run would unpublish ${leaving.length} of ${published} published articles, more than the ` +
    `${Math.round(maxShare * 100)} % allowed (UNPUBLISH_MAX_SHARE)${why(preview(leaving))} If that is intended, run again with force.`
  );
}

/** Up to three names, and how many more. */
export function preview(names: readonly string[]): string {
  const shown = names.slice(0, 3).map(printableName).join(', ');
  return names.length <= 3 ? shown : `${shown} and ${names.length - 3} more`;
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

/**
 * A seed that cannot be published as listed: its last good version, if any, stays as it was.
 * `tooLarge`: refused from its listed size without being read (see Rejection.tooLarge);
 * `unreadable`: listed but could not be read (Rejection.unreadable).
 */
export function rejectedArticle(
  seed: SeedListing,
  previous: ArticleRecord | undefined,
  error: ArticleError,
  context: Pick<ArticleContext, 'settings' | 'force' | 'listed'>,
  { tooLarge = false, unreadable = false }: { readonly tooLarge?: boolean; readonly unreadable?: boolean } = {},
): ArticlePlan {
  const rejected = {
    line: error.line,
    reason: error.reason,
    ...(tooLarge ? { tooLarge: true as const } : {}),
    ...(unreadable ? { unreadable: true as const } : {}),
  };
  const kept = keptVersion(seed.fileName, previous, context);
  return {
    record: { ...kept.record, seed: seed.signature, rejected },
    rejection: error,
    ...(kept.page ? { page: kept.page } : {}),
  };
}

/**
 * The last good version of a seed now refused, as it stays published. Its page stays as it is
 * while it is in the bucket as last written; made again from the kept text when it is missing or
 * altered there, or when a setting or the template changed; and, with no text kept to make it
 * from, a page gone from the bucket takes the article out of the feeds, so that no link is left
 * pointing at nothing (a page still there, made with older settings or altered, stays).
 */
function keptVersion(
  fileName: string,
  previous: ArticleRecord | undefined,
  { settings, force, listed }: Pick<ArticleContext, 'settings' | 'force' | 'listed'>,
): { record: ArticleRecord; page?: PlannedPut } {
  if (previous?.seed === GONE_SEED) {
    // Read back from the published feeds, with no text to make its page from: its address stays
    // reserved (once it can be published again, its permalink has not moved), and it leaves.
    const { page: _page, ...address } = previous;
    return { record: address };
  }
  if (previous?.page === undefined || previous.slug === undefined || previous.day === undefined || previous.hash === undefined) {
    return { record: previous ?? {} };
  }
  const { page: current, ...unpublished } = previous;
  const { slug, day, hash, updated, text } = previous;
  const input = pageInput(settings, hash, slug, day, updated);
  const intact = listed?.etag === current.etag;
  if (intact && !force && current.input === input) return { record: previous };
  // Without text it cannot be made again: a page still listed stays as it is, altered or not (a
  // folder's signature changes with a chmod too, and an upgrade may list it under another one).
  if (text === undefined) return listed !== undefined ? { record: previous } : { record: unpublished };
  const html = articlePage(publishedArticle({ fileName, day, slug, updated, text }, settings.config), settings.config);
  return { record: unpublished, page: { key: articlePath(slug), body: Buffer.from(html, 'utf8'), contentType: CONTENT_TYPES.html, input } };
}

/**
 * A published article whose record keeps no text (it is outside the feeds' items and the newest
 * archive): refused now, it needs its last good text read back to stay in its archive and to have
 * its page made again. A record read back from the feeds after a lost manifest has no day or hash
 * to publish it with, and leaves (keptVersion).
 */
export function needsTextKept(record: ArticleRecord): boolean {
  return (
    record.page !== undefined &&
    record.text === undefined &&
    record.seed !== GONE_SEED &&
    record.hash !== undefined &&
    record.slug !== undefined &&
    record.day !== undefined
  );
}

/** Why a seed is too large to read, or undefined. */
export function oversizeSeed(seed: SeedListing, settings: PlanSettings): ArticleError | undefined {
  const limit = (settings.limits ?? DEFAULT_LIMITS).seedBytes;
  if (seed.size <= limit) return undefined;
  return {
    fileName: seed.fileName,
    line: 1,
    reason: `the file is ${sizeOver(seed.size, limit)}, over the ${formatBytes(limit)} a seed may have (MAX_SEED_BYTES); it was not read`,
  };
}

/** A size over a limit, in bytes too where the rounded size would read as the limit itself (1.0 MiB over 1 MiB). */
function sizeOver(size: number, limit: number): string {
  const [amount, unit] = formatBytes(size).split(' ');
  const [limitAmount, limitUnit] = formatBytes(limit).split(' ');
  const readsAsLimit = unit === limitUnit && Number(amount) === Number(limitAmount);
  return readsAsLimit ? `${amount} ${unit} (${size} bytes)` : `${amount} ${unit}`;
}

/** 1 MiB, 512 KiB, 300 bytes: the way limits are set. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * An archived article's text, read again to render its archive; undefined when the seed no
 * longer parses (it changed since it was listed: rendering then stops the run, naming it, and
 * the next run sees the change).
 */
export function textFromSeed(fileName: string, bytes: Uint8Array): EntryText | undefined {
  const decoded = decodeSeed(fileName, bytes);
  const parsed = decoded.ok ? parseArticle(fileName, decoded.text) : decoded;
  return parsed.ok ? entryText(parsed.article) : undefined;
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
  /**
   * The digest of the page settings (the publish time and zone among them) the last run
   * recorded, if it did (a manifest whose later edit dates were dropped, its clock set back,
   * records none).
   */
  readonly recordedPageSettings?: string;
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
  if (!parsed.ok) return rejectedArticle(seed, previous, parsed.error, context);
  const article = parsed.article;
  const hash = articleHash(article);
  const id = previous === undefined ? itemId(settings.config.idPrefix, seed.fileName) : undefined;
  const legacy = id === undefined ? undefined : context.legacy?.get(id);
  const before =
    previous?.hash !== undefined
      ? { hash: previous.hash, updated: previous.updated }
      : legacy
        ? { hash: legacy.hash === legacyArticleHash(article) ? hash : '', updated: legacy.updated }
        : // Read back from the published feeds (recovered.ts): its text since then cannot be told
          // from a feed, so it counts as unchanged.
          previous !== undefined && previous.seed === GONE_SEED
          ? { hash, updated: previous.updated }
          : undefined;
  // First seen: dated by its calendar day alone. Changed since its first publication (its slug is
  // given then): updated now. Else as it was: an edit while held is no update, no reader saw it.
  const publishedBefore = previous === undefined || previous.slug !== undefined;
  const updated = before === undefined ? undefined : before.hash === hash || !publishedBefore ? before.updated : now.toISOString();
  const day = article.date.iso;
  const text = entryText(article);
  // Published on this same day before: a clock set back behind its publish time does not take
  // it off the site (an edit or a re-save made it read again), as no unread article leaves either.
  // Not when the publish time or zone changed since (a zone further west, a later time): the day
  // is then not out yet, as a fresh publish would say, and no feed may date it after the clock.
  const sameSchedule = context.recordedPageSettings === undefined || context.recordedPageSettings === pageSettingsDigest(settings);
  const due = publishedAt(day, settings.config) <= now || (sameSchedule && previous?.page !== undefined && previous.day === day);
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

/** An archive to render and write: its articles' text may have to be read first. */
export interface ArchiveJob {
  readonly number: number;
  /** The articles whose text the archive needs, newest first. */
  readonly fileNames: readonly string[];
}

export interface SitePlan {
  /**
   * Archives that differ from what the bucket holds, oldest first. The executor renders them one
   * at a time (`renderArchive`), reading the text it lacks, so a first publish of a large archive
   * holds one archive's text at a time, not the archive's.
   */
  readonly archives: readonly ArchiveJob[];
  /** How many archives there are: the newest is the last. */
  readonly archiveCount: number;
  /**
   * An archive's three documents, from its articles' text; without the articles in `leftOut`
   * (their seeds could not be read), and then recorded as such, to be made again.
   */
  renderArchive(job: ArchiveJob, texts: ReadonlyMap<string, EntryText>, leftOut?: ReadonlySet<string>): PlannedPut[];
  /** The index, the three feeds and the site's other objects that differ from what the bucket holds, in write order. */
  readonly puts: readonly PlannedPut[];
  /** The same objects that are already as they should be. */
  readonly unchanged: readonly string[];
  /**
   * Pages of articles no longer published, and archive documents beyond the archive: deleted
   * after the feeds and the archives stop linking to them.
   */
  readonly deletes: readonly string[];
  /** How many items the feeds have. */
  readonly itemCount: number;
  /** Things the run should say: the feeds' size limit, when it applied. */
  readonly warnings: readonly string[];
  /** Whether the next manifest can differ from the previous one in more than its records. */
  readonly digestsChanged: boolean;
  /** The next manifest, once the run's writes (the archives written as well) have their ETags. */
  manifest(etags: ReadonlyMap<string, string>, archivePuts: readonly Pick<PlannedPut, 'key' | 'input' | 'output'>[]): Manifest;
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

function withoutHub<T extends { hub?: unknown }>(channel: T): Omit<T, 'hub'> {
  const { hub: _hub, ...rest } = channel;
  return rest;
}

const archiveUrls = (config: FeedConfig, page: number): FormatUrls => {
  const keys = archiveKeys(page);
  return { rss: config.siteUrl + keys.rss, atom: config.siteUrl + keys.atom, json: config.siteUrl + keys.json };
};

/**
 * Step 3: the index and the feeds from the window's records, the pages to delete, and the next
 * manifest. Throws MissingText when a feed item's text is neither in the manifest nor read this run.
 */
export function planSite(input: SiteInput): SitePlan {
  const { settings, previous, records, texts, objects, force } = input;
  const { config } = settings;
  const settingsDigest = siteSettingsDigest(settings);
  const asItWas = force ? undefined : unchangedSite(input, settingsDigest);
  if (asItWas) return asItWas;
  const ranked = rankPublished(records);
  const window = ranked.slice(0, config.itemLimit);
  const { pages, layout } = archivePages(
    ranked,
    {
      size: config.itemLimit,
      cacheControl: settings.cacheControl,
      // The size limit too: an archive over it loses its oldest items' full text. Not the hub,
      // which archives do not name (renderArchive): setting one would re-read every archived seed
      // to write the same bytes.
      configKey: JSON.stringify([SITE_RENDER_VERSION, { ...config, websubHub: undefined }, feedBytesLimit(settings)]),
    },
    previous.archive,
  );
  const pageIsCurrent = (page: ArchivePage) =>
    !force &&
    Object.values(archiveKeys(page.number)).every((key) => {
      const before = previous.objects[key];
      return before !== undefined && before.input === page.input && objects.get(key)?.etag === before.etag;
    });
  const stalePages = pages.filter((page) => !pageIsCurrent(page));
  const textOf = ({ fileName, record }: Ranked) => texts.get(fileName) ?? record.text;
  const missing = window.filter((entry) => textOf(entry) === undefined).map(({ fileName }) => fileName);
  if (missing.length > 0) throw new MissingText(missing);
  const publishedEntry = (entry: Ranked, text: EntryText = textOf(entry)!) =>
    publishedArticle({ fileName: entry.fileName, day: entry.day, slug: entry.record.slug!, updated: entry.record.updated, text }, config);
  const limit = feedBytesLimit(settings);
  const warnings: string[] = [];
  /** Archives rendered this run that had to leave something out, or are over still: said together, in one warning. */
  const archivesFitted = new Map<number, FittedFeeds>();

  const items = window.map((entry) => publishedEntry(entry));
  // Everything the index, the feeds and the 404 page are made from; unchanged and all in the bucket as
  // written, they are not rendered at all.
  const siteInput = digest(settingsDigest, JSON.stringify([items, pages.length]));
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
  if (model) {
    const newest = pages.length > 0 ? archiveUrls(config, pages.length) : undefined;
    const fitted = renderWithinLimit(model, limit, (rendered) => withHistory(rendered, newest ? { older: newest } : {}));
    const { documents } = fitted;
    const fitWarning = fittingSaid(fitted, model.items.length, limit);
    if (fitWarning) warnings.push(fitWarning);
    site.push(
      // In the feeds' order (articles of one day by item id), so the index and the feeds agree.
      {
        key: SITE_FILES.index,
        text: indexPage(
          [...items].sort((a, b) => compareItems(a.item, b.item)),
          config,
        ),
        contentType: CONTENT_TYPES.html,
      },
      { key: SITE_FILES.rss, text: documents.rss, contentType: CONTENT_TYPES.rss },
      { key: SITE_FILES.atom, text: documents.atom, contentType: CONTENT_TYPES.atom },
      { key: SITE_FILES.json, text: documents.json, contentType: CONTENT_TYPES.json },
      { key: SITE_FILES.notFound, text: notFoundPage(config), contentType: CONTENT_TYPES.html },
      { key: SITE_FILES.feedStyle, text: FEED_STYLESHEET, contentType: CONTENT_TYPES.css },
    );
  }
  const puts: PlannedPut[] = [];
  const renderArchive = (
    job: ArchiveJob,
    archiveTexts: ReadonlyMap<string, EntryText>,
    leftOut: ReadonlySet<string> = new Set(),
  ): PlannedPut[] => {
    const page = pages[job.number - 1]!;
    const entries = page.entries.filter(({ fileName }) => !leftOut.has(fileName));
    if (entries.length === 0) throw new MissingText(page.entries.map(({ fileName }) => fileName));
    // Made without some of its articles: recorded as what it is made from, so the run after makes it again.
    const input =
      entries.length === page.entries.length ? page.input : digest(page.input, JSON.stringify(['without', [...leftOut].sort()]));
    const entryWithText = (entry: Ranked) => {
      const text = archiveTexts.get(entry.fileName) ?? textOf(entry);
      if (text === undefined) throw new MissingText([entry.fileName]);
      return publishedEntry(entry, text);
    };
    const archivePuts: PlannedPut[] = [];
    const model = buildFeedModel(
      // An archive is never announced to a WebSub hub, so it carries no hub link.
      { ...withoutHub(feedChannel(config)), feedUrls: archiveUrls(config, page.number), archiveOf: config.feedUrls },
      entries.map((entry) => entryWithText(entry).item),
      // Every article of the page: a closed page that took backdated articles holds more than the feeds do.
      entries.length,
    )!;
    const fitted = renderWithinLimit(model, limit, (rendered) =>
      withHistory(rendered, {
        current: config.feedUrls,
        ...(page.number > 1 ? { older: archiveUrls(config, page.number - 1) } : {}),
        ...(page.number < pages.length ? { newer: archiveUrls(config, page.number + 1) } : {}),
      }),
    );
    const { documents } = fitted;
    if (leftOutOrOver(fitted)) archivesFitted.set(page.number, fitted);
    const keys = archiveKeys(page.number);
    // A document made again with the bytes and headers its record says it was written with is
    // not written again (a setting that changes another format's documents only, as
    // `ttlMinutes` changes RSS's), while all three are as recorded in the bucket. With one of
    // them missing or altered there, some run's writes went unrecorded (one that failed, or lost
    // a race), and a listing tells no headers: all three are written.
    const intact = Object.values(keys).every((key) => {
      const before = previous.objects[key];
      return before !== undefined && objects.get(key)?.etag === before.etag;
    });
    for (const [format, contentType] of [
      ['rss', CONTENT_TYPES.rss],
      ['atom', CONTENT_TYPES.atom],
      ['json', CONTENT_TYPES.json],
    ] as const) {
      const body = Buffer.from(documents[format], 'utf8');
      const output = writtenHash(contentType, page.cacheControl, body);
      const before = previous.objects[keys[format]];
      const held = !force && intact && before?.output === output ? { heldAs: before.etag } : {};
      archivePuts.push({ key: keys[format], body, contentType, input, cacheControl: page.cacheControl, output, ...held });
    }
    return archivePuts;
  };
  const archiveRecords: Record<string, ObjectRecord> = {};
  const unchanged: string[] = [];
  for (const page of pages) {
    if (stalePages.includes(page)) continue;
    for (const key of Object.values(archiveKeys(page.number))) {
      archiveRecords[key] = previous.objects[key]!;
      unchanged.push(key);
    }
  }
  if (siteIsCurrent) unchanged.push(...siteKeys);
  const siteRecords: Record<string, ObjectRecord> = siteIsCurrent
    ? Object.fromEntries(siteKeys.map((key) => [key, previous.objects[key]!]))
    : {};
  for (const object of site) {
    const body = Buffer.from(object.text, 'utf8');
    // The index and feeds are small: always rendered, and written when their bytes or headers differ
    // from what the last run wrote (a listing shows no headers: a header edited in the bucket needs force).
    const objectInput = writtenHash(object.contentType, settings.cacheControl, body);
    const before = previous.objects[object.key];
    if (!force && before !== undefined && before.input === objectInput && objects.get(object.key)?.etag === before.etag) {
      unchanged.push(object.key);
      siteRecords[object.key] = before;
    } else {
      puts.push({ key: object.key, body, contentType: object.contentType, input: objectInput });
    }
  }

  // Pages of articles that were published and no longer are (seed gone, or moved to a later day),
  // and of unpublished ones whose page is back in the bucket: a slug is given at first publication
  // and never to another article, so the page under it is this article's, written by an
  // overlapping run that had not seen it leave.
  const deletes: string[] = [];
  for (const [fileName, before] of Object.entries(previous.articles)) {
    if (before.slug === undefined) continue;
    const now = records.get(fileName);
    if (now?.page !== undefined) continue;
    const key = articlePath(before.slug);
    if (objects.has(key)) deletes.push(key);
  }
  // And archive documents numbered beyond the archive, which lost a page or was cut afresh into
  // fewer: nothing links to them once the newest archive and the feeds are written, and left
  // online they would still carry what may have been unpublished since.
  deletes.push(...archivesBeyond(objects.keys(), pages.length));
  deletes.sort(compareStrings);

  // Kept with their text: the feeds' items, and the newest archive, which the next added article
  // changes; and an article whose seed is refused, wherever it is, as its last good version.
  const windowNames = new Set([...window, ...(pages.at(-1)?.entries ?? [])].map(({ fileName }) => fileName));
  return {
    archives: stalePages.map((page) => ({ number: page.number, fileNames: page.entries.map(({ fileName }) => fileName) })),
    archiveCount: pages.length,
    renderArchive,
    puts,
    unchanged,
    deletes,
    itemCount: items.length,
    // Read once the archives are rendered (renderArchive adds to what they say).
    get warnings() {
      const archives = archivesSaid(archivesFitted, limit);
      return archives === undefined ? warnings : [...warnings, archives];
    },
    digestsChanged:
      previous.siteInput !== siteInput ||
      previous.pageSettings !== pageSettingsDigest(settings) ||
      previous.siteSettings !== settingsDigest ||
      JSON.stringify(previous.archive) !== JSON.stringify(layout.ends.length > 0 ? layout : undefined),
    manifest(etags, archivePuts) {
      const articles: Record<string, ArticleRecord> = {};
      for (const [fileName, record] of records) {
        const text = windowNames.has(fileName) || record.rejected !== undefined ? (texts.get(fileName) ?? record.text) : undefined;
        // Most records are kept as they are: a copy of each would double the manifest in memory.
        if (text === record.text) {
          articles[fileName] = record;
          continue;
        }
        const { text: _text, ...rest } = record;
        articles[fileName] = text ? { ...rest, text } : rest;
      }
      const objectsAfter: Record<string, ObjectRecord> = { ...archiveRecords, ...siteRecords };
      for (const put of [...archivePuts, ...puts]) {
        const etag = etags.get(put.key);
        if (etag !== undefined)
          objectsAfter[put.key] = put.output === undefined ? { input: put.input, etag } : { input: put.input, etag, output: put.output };
      }
      // A run that stopped before writing them all keeps the records of the objects it did not
      // write: the bucket still holds what they describe, so the next run rewrites only what
      // still differs, and nothing when the change was undone meanwhile (nor tells the hub).
      const unwritten = [...stalePages.flatMap((page) => Object.values(archiveKeys(page.number))), ...puts.map((put) => put.key)];
      for (const key of unwritten) {
        const before = previous.objects[key];
        if (objectsAfter[key] === undefined && before !== undefined) objectsAfter[key] = before;
      }
      // The site input says the index and feeds hold these records' items: only once all are written.
      const siteWritten = puts.every((put) => etags.has(put.key));
      return {
        version: previous.version,
        pageSettings: pageSettingsDigest(settings),
        siteSettings: settingsDigest,
        ...(siteWritten ? { siteInput } : {}),
        ...(layout.ends.length > 0 ? { archive: layout } : {}),
        articles,
        objects: objectsAfter,
      };
    },
  };
}

/** Whether documents fitted under MAX_FEED_BYTES had anything cut or left out, or are over still: what the run says. */
function leftOutOrOver(fitted: FittedFeeds): boolean {
  return fitted.stillOver || fitted.withoutText > 0 || fitted.cut !== undefined;
}

/** What a run says of the feeds fitted under MAX_FEED_BYTES (archives: archivesSaid), or undefined when nothing was left out or over. */
function fittingSaid(fitted: FittedFeeds, items: number, limit: number): string | undefined {
  if (!leftOutOrOver(fitted)) return undefined;
  const over = `the feeds would be over ${formatBytes(limit)} (MAX_FEED_BYTES)`;
  if (fitted.stillOver) {
    return (
      `${over}, and are published at ${formatBytes(fitted.largestBytes)}, full text and all: leaving out full text and cutting titles and summaries to ${SHORTEST_CUT} characters would not make them fit. ` +
      `The longest item is ${fitted.largestItem}; shorten it, or what every document carries (the feed's title, description or copyright), or raise MAX_FEED_BYTES`
    );
  }
  const done = [
    ...(fitted.cut
      ? [
          `titles and summaries over ${fitted.cut.length} characters are cut to it, in ${fitted.cut.items.length} items: ${preview(fitted.cut.items)}`,
        ]
      : []),
    ...(fitted.withoutText > 0
      ? [
          `the full text of ${fitted.withoutText} of their ${items} items is left out (any over half the limit, then the oldest); their summary and link remain`,
        ]
      : []),
  ];
  return `${over}: ${done.join('; ')}`;
}

/** One warning for every archive rendered this run that had to leave something out or is over still, or undefined. */
function archivesSaid(fitted: ReadonlyMap<number, FittedFeeds>, limit: number): string | undefined {
  if (fitted.size === 0) return undefined;
  const numbers = [...fitted.keys()].sort((a, b) => a - b);
  const all = [...fitted.values()];
  const withoutText = all.reduce((sum, one) => sum + one.withoutText, 0);
  const cut = all.flatMap((one) => one.cut?.items ?? []);
  const done = [
    ...(cut.length > 0 ? [`titles and summaries cut in ${cut.length} items: ${preview(cut)}`] : []),
    ...(withoutText > 0 ? [`the full text of ${withoutText} items left out (their summary and link remain)`] : []),
    ...numbers.flatMap((number) => {
      const one = fitted.get(number)!;
      return one.stillOver
        ? [
            `archive ${number} is published at ${formatBytes(one.largestBytes)}, full text and all, since nothing left out would make it fit (its longest item: ${one.largestItem})`,
          ]
        : [];
    }),
  ];
  const which = numbers.length === 1 ? `archive ${numbers[0]}` : `archives ${numbers.join(', ')}`;
  return `${which} would be over ${formatBytes(limit)} (MAX_FEED_BYTES): ${done.join('; ')}`;
}

/** Digest of everything the index, the feeds and the archives are made from beside their articles. */
function siteSettingsDigest(settings: PlanSettings): string {
  return digest(
    JSON.stringify([SITE_RENDER_VERSION, PAGE_TEMPLATE_VERSION, settings.config, settings.cacheControl, feedBytesLimit(settings)]),
  );
}

/** MAX_FEED_BYTES: what the feeds and archives are fitted to, so a change of it remakes them. */
function feedBytesLimit(settings: PlanSettings): number {
  return (settings.limits ?? DEFAULT_LIMITS).feedBytes;
}

/**
 * The plan of a run that changes nothing on the site, when the last run's index, feeds and
 * archives are still right as they are, found without ranking the archive: every record is the
 * one the manifest holds (a seed read again gets a new record, so no seed was read), the
 * settings they were made from are the same, and every object the last run wrote is in the
 * bucket as it wrote it. Then the feeds' items, the archive pages and their inputs are all what
 * they were, and a run with nothing to do costs one pass over the records instead of a sort of
 * the archive. Undefined when any of that does not hold.
 */
function unchangedSite(input: SiteInput, settingsDigest: string): SitePlan | undefined {
  const { previous, records, objects, settings } = input;
  if (previous.siteInput === undefined || previous.siteSettings !== settingsDigest) return undefined;
  if (previous.pageSettings !== pageSettingsDigest(settings)) return undefined;
  if (!sameRecords(records, previous.articles)) return undefined;
  const { itemCount, archiveCount } = siteCounts(records, settings, previous.archive);
  const keys: string[] = [...Object.values(SITE_FILES)];
  for (let number = 1; number <= archiveCount; number++) keys.push(...Object.values(archiveKeys(number)));
  const current = keys.every((key) => {
    const before = previous.objects[key];
    return before !== undefined && objects.get(key)?.etag === before.etag;
  });
  if (!current || archivesBeyond(objects.keys(), archiveCount).length > 0 || unpublishedPageListed(records, objects)) return undefined;
  return {
    archives: [],
    archiveCount,
    renderArchive: () => [],
    puts: [],
    unchanged: keys,
    deletes: [],
    itemCount,
    warnings: [],
    digestsChanged: false,
    manifest: () => previous,
  };
}

/** Whether the page of an article that is not published is in the bucket (see planSite's deletes). */
function unpublishedPageListed(records: ReadonlyMap<string, ArticleRecord>, objects: ReadonlyMap<string, ListedObject>): boolean {
  for (const record of records.values())
    if (record.page === undefined && record.slug !== undefined && objects.has(articlePath(record.slug))) return true;
  return false;
}

/** The archive documents among `keys` numbered beyond an archive of `count` pages: to be deleted. */
function archivesBeyond(keys: Iterable<string>, count: number): string[] {
  const beyond: string[] = [];
  for (const key of keys) {
    if (!key.startsWith(ARCHIVE_PREFIX)) continue;
    const document = archiveDocument(key);
    if (document !== undefined && document.number > count) beyond.push(key);
  }
  return beyond;
}

/**
 * How many items the feeds have and how many archive pages there are, from the records and the
 * archive's layout alone (records as the last run left them: every closed page still has articles).
 */
function siteCounts(
  records: ReadonlyMap<string, ArticleRecord>,
  settings: PlanSettings,
  layout: ArchiveLayout | undefined,
): { itemCount: number; archiveCount: number } {
  const { itemLimit } = settings.config;
  const ends = layout?.pageSize === itemLimit ? layout.ends : [];
  const last = ends.at(-1);
  let published = 0;
  // Newer than the last closed page's end: the feeds' items, then the newest, open page, if any.
  let newer = 0;
  for (const [fileName, record] of records) {
    if (!isRanked(record)) continue;
    published++;
    if (last !== undefined && newerFirst({ day: record.day, fileName }, { day: last[0], fileName: last[1] }) < 0) newer++;
  }
  const archived = Math.max(0, published - itemLimit);
  const archiveCount = archived === 0 ? 0 : ends.length > 0 ? ends.length + (newer > itemLimit ? 1 : 0) : Math.ceil(archived / itemLimit);
  return { itemCount: Math.min(published, itemLimit), archiveCount };
}

/** Whether every record is the very one the manifest holds (nothing read or planned changed it), and no more or fewer. */
export function sameRecords(records: ReadonlyMap<string, ArticleRecord>, before: Readonly<Record<string, ArticleRecord>>): boolean {
  let count = 0;
  for (const [fileName, record] of records) {
    if (before[fileName] !== record) return false;
    count++;
  }
  return count === Object.keys(before).length;
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
