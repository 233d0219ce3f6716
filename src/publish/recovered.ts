/**
 * Permalinks read back from the published JSON feeds, for a run with no manifest to trust (it
 * was deleted or damaged). Every published article is an item of feed.json or of an archive,
 * with its id, its page URL and its edit date: with them an article keeps the page it was first
 * published under, instead of a slug made afresh from today's title, which would move an article
 * whose title was corrected and leave its old page online, linked from nowhere.
 */
import { publishedDayOf } from '../article/calendar.js';
import { itemId } from '../article/identity.js';
import type { FeedConfig } from '../config.js';
import type { EntryText } from '../feed/items.js';
import { type ArchiveEnd, type ArchiveLayout, type ArticleRecord, GONE_SEED, laterEditsDropped } from './manifest.js';
import { textFromSeed } from './plan.js';
import { newerFirst } from './ranking.js';
import { readSeedIfReadable } from './seeds.js';
import { ARTICLES_PREFIX, archiveDocument, SITE_FILES } from '../site-files.js';
import type { Storage } from '../storage/storage.js';
import { inOrder } from '../text/order.js';

/**
 * By item id: the slug of the article's page, its edit date when it has one, and its title as
 * published (which tells look-alike seeds apart: publishedLookAlikes).
 */
export type RecoveredArticles = ReadonlyMap<string, { readonly slug: string; readonly updated?: string; readonly title?: string }>;

/** What the published JSON feeds tell: the articles, and the items of each JSON archive by its number. */
export interface RecoveredSite {
  readonly articles: RecoveredArticles;
  /** Each item's id and publication instant, as `archive/feed-N.json` lists them. */
  readonly archives: ReadonlyMap<number, readonly { readonly id: string; readonly published: string }[]>;
  /**
   * The items whose edit date is later than the run's clock, and that date: dropped from
   * `articles`, as a run drops such a date from its manifest, so a clock set back does not put
   * a date in the future into the feeds again.
   */
  readonly laterEdits: readonly { readonly id: string; readonly updated: string }[];
}

/** The JSON feeds among the listed keys: feed.json and the JSON archives. */
export function jsonFeedKeys(keys: Iterable<string>): string[] {
  const found: string[] = [];
  for (const key of keys) if (key === SITE_FILES.json || archiveDocument(key)?.format === 'json') found.push(key);
  return found;
}

/**
 * The articles the JSON feeds under `keys` name with a page under this site's `articles/`, and
 * the items of each JSON archive (archiveLayout cuts the archive from them as it was). A feed
 * that cannot be read or parsed, or an item of another shape, is passed over: what it would
 * have told is made afresh, as without it.
 */
export async function recoverSite(
  storage: Storage,
  keys: readonly string[],
  config: Pick<FeedConfig, 'siteUrl'>,
  now: Date,
  signal?: AbortSignal,
): Promise<RecoveredSite> {
  const recovered = new Map<string, { slug: string; updated?: string; title?: string }>();
  const laterEdits: { id: string; updated: string }[] = [];
  const archives = new Map<number, { id: string; published: string }[]>();
  // A page is one article's: feeds edited so that two items name one page give it to the first.
  const claimed = new Set<string>();
  for (const key of keys) {
    const items = await jsonItems(storage, key, signal);
    if (items === undefined) continue;
    const archive = archiveDocument(key)?.number;
    for (const item of items) {
      const { id, url, title, date_published: published, date_modified: modified } = (item ?? {}) as Record<string, unknown>;
      if (archive !== undefined && typeof id === 'string' && typeof published === 'string' && !Number.isNaN(Date.parse(published))) {
        archives.set(archive, [...(archives.get(archive) ?? []), { id, published }]);
      }
      const slug = typeof url === 'string' ? slugOf(url, config.siteUrl) : undefined;
      if (typeof id !== 'string' || slug === undefined || recovered.has(id) || claimed.has(slug)) continue;
      claimed.add(slug);
      const edited = typeof modified === 'string' && modified !== published && !Number.isNaN(Date.parse(modified));
      const updated = edited ? new Date(modified).toISOString() : undefined;
      const afterClock = updated !== undefined && Date.parse(updated) > now.getTime();
      if (afterClock) laterEdits.push({ id, updated });
      recovered.set(id, {
        slug,
        ...(updated !== undefined && !afterClock ? { updated } : {}),
        ...(typeof title === 'string' ? { title } : {}),
      });
    }
  }
  return { articles: recovered, archives, laterEdits };
}

/** A published article whose last good text is wanted: its page's slug, and its item's `date_modified` as last published. */
export interface WantedText {
  readonly slug: string;
  readonly modified: string;
}

/**
 * The last good text of published articles, by seed file name, as the JSON feeds carry it: for a
 * seed that no longer parses (or cannot be read) whose record keeps no text, so that it stays in
 * its archive and its page can be made again. A JSON item holds the entry text whole (title, lede
 * as `summary`, body as `content_html`, its own language): read back, it renders the same bytes.
 *
 * An item is the article's when it links to its page and carries the edit date the record says
 * was published last (not an older version a run cut short left in an archive); found by its page
 * rather than its id, which an `idPrefix` changed in the same run would miss. Only documents
 * `trusted` holds to be as this publisher wrote them are taken (an archive edited behind its back
 * is no last good version). An item that lost its full text to the feeds' size limit
 * (`content_text`) tells too little and is passed over. feed.json is read first, then the
 * archives from the newest, only until every article is found; a document that cannot be read or
 * parsed is passed over.
 */
export async function publishedTexts(
  storage: Storage,
  keys: Iterable<string>,
  wanted: ReadonlyMap<string, WantedText>,
  trusted: (key: string, body: Uint8Array) => boolean,
  signal?: AbortSignal,
): Promise<Map<string, EntryText>> {
  const bySlug = new Map([...wanted].map(([fileName, { slug }]) => [slug, fileName]));
  const found = new Map<string, EntryText>();
  const newestFirst = jsonFeedKeys(keys).sort(
    (a, b) => (archiveDocument(b)?.number ?? Number.POSITIVE_INFINITY) - (archiveDocument(a)?.number ?? Number.POSITIVE_INFINITY),
  );
  for (const key of newestFirst) {
    if (found.size === wanted.size) break;
    const items = await jsonItems(storage, key, signal, trusted);
    if (items === undefined) continue;
    for (const item of items) {
      const { url, title, summary, content_html: html, language, date_modified: modified } = (item ?? {}) as Record<string, unknown>;
      const fileName = typeof url === 'string' ? bySlug.get(pageSlugOf(url) ?? '') : undefined;
      if (fileName === undefined || found.has(fileName)) continue;
      if (typeof modified !== 'string' || Number.isNaN(Date.parse(modified))) continue;
      if (new Date(modified).toISOString() !== wanted.get(fileName)!.modified) continue;
      if (typeof summary !== 'string' || typeof html !== 'string' || (title !== undefined && typeof title !== 'string')) continue;
      if (language !== undefined && typeof language !== 'string') continue;
      found.set(fileName, { title: title ?? '', lede: summary, html, ...(language === undefined ? {} : { language }) });
    }
  }
  return found;
}

/**
 * The `items` of the JSON feed under `key`, or undefined when it is missing, cannot be read or
 * parsed, has no item list, or is not `accepted`. A stop still stops: the signal's abort is thrown.
 */
async function jsonItems(
  storage: Storage,
  key: string,
  signal: AbortSignal | undefined,
  accepted: (key: string, body: Uint8Array) => boolean = () => true,
): Promise<unknown[] | undefined> {
  try {
    const object = await storage.get(key, signal ? { signal } : {});
    if (object === undefined || !accepted(key, object.body)) return undefined;
    const items = (JSON.parse(Buffer.from(object.body).toString('utf8')) as { items?: unknown }).items;
    return Array.isArray(items) ? items : undefined;
  } catch (error) {
    if (signal?.aborted) throw error;
    return undefined;
  }
}

const PAGE_PATH = new RegExp(`/${ARTICLES_PREFIX}([^/]+)\\.html$`);

/** The slug of an article page's URL, whatever site it is under (`…/articles/<slug>.html`), or undefined. */
function pageSlugOf(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const match = PAGE_PATH.exec(path);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}

/** What a run says of the edit dates recoverSite dropped, as it says it of a manifest's. */
export function laterEditsWarning(later: RecoveredSite['laterEdits']): string {
  const first = later[0]!;
  return laterEditsDropped('the published JSON feeds say', later.length, first.id, first.updated);
}

/**
 * The archive's layout as the published archives show it: where each closed page (every one
 * but the newest, and the newest too once full) ends, its newest article (the latest day, then
 * the first file name, as ranking.ts orders them). With it a run that lost its manifest cuts the archive as it was,
 * instead of afresh, which would move articles between archive documents that RFC 5005 expects
 * to stay. Undefined when the archives do not make a layout (a number missing, ends out of order).
 */
export function archiveLayout(
  archives: RecoveredSite['archives'],
  seedFileNames: Iterable<string>,
  config: Pick<FeedConfig, 'idPrefix' | 'itemLimit' | 'publishTime'>,
  published: ReadonlyMap<string, string> = new Map(),
): ArchiveLayout | undefined {
  let count = 0;
  for (const number of archives.keys()) count = Math.max(count, number);
  // Every number from 1 on, or the pages cannot be told apart.
  if (count < 1 || archives.size !== count) return undefined;
  // Every page but the newest is closed, and the newest too once full (archivePages), as it may
  // have grown past the page size by articles dated back into it.
  const closed = (archives.get(count)?.length ?? 0) >= config.itemLimit ? count : count - 1;
  if (closed === 0) return undefined;
  const fileNames = new Map([...listedById(seedFileNames, config.idPrefix), ...published]);
  const prefix = `${config.idPrefix}${ARTICLES_PREFIX}`;
  const ends: ArchiveEnd[] = [];
  for (let number = 1; number <= closed; number++) {
    const items = archives.get(number);
    if (items === undefined || items.length === 0) return undefined;
    let end: ArchiveEnd | undefined;
    for (const { id, published } of items) {
      const fileName = fileNames.get(id) ?? fileNameOf(id, prefix);
      if (fileName === undefined) return undefined;
      const candidate: ArchiveEnd = [publishedDayOf(Date.parse(published), config.publishTime), fileName];
      if (end === undefined || newerFirst({ day: candidate[0], fileName: candidate[1] }, { day: end[0], fileName: end[1] }) < 0)
        end = candidate;
    }
    const before = ends.at(-1);
    if (before !== undefined && newerFirst({ day: end![0], fileName: end![1] }, { day: before[0], fileName: before[1] }) >= 0)
      return undefined;
    ends.push(end!);
  }
  return { pageSize: config.itemLimit, ends };
}

/** The seed file name an id was made from (itemId), or undefined for an id of another form. */
function fileNameOf(id: string, prefix: string): string | undefined {
  if (!id.startsWith(prefix)) return undefined;
  try {
    return `${decodeURIComponent(id.slice(prefix.length))}.txt`;
  } catch {
    return undefined;
  }
}

/** The slug of a page URL of this site (`SITE_URL/articles/SLUG.html`, percent-encoded), or undefined. */
export function slugOf(url: string, siteUrl: string): string | undefined {
  const prefix = `${siteUrl}${ARTICLES_PREFIX}`;
  if (!url.startsWith(prefix) || !url.endsWith('.html')) return undefined;
  let slug: string;
  try {
    slug = decodeURIComponent(url.slice(prefix.length, -'.html'.length));
  } catch {
    return undefined;
  }
  return slug === '' || slug.includes('/') || slug === '.' || slug === '..' ? undefined : slug;
}

/**
 * Whether the manifest holds records recoveredRecords made, kept by a run that recovered them
 * and stopped before it finished: the pages in the bucket then tell how many were published.
 */
export function holdsRecoveredRecords(articles: Readonly<Record<string, ArticleRecord>>): boolean {
  for (const record of Object.values(articles)) if (record.seed === GONE_SEED) return true;
  return false;
}

/**
 * Records for every article the feeds name, in place of the lost ones: its page address and edit
 * date, under the seed it was published from. That is the listed seed that gives its id (itemId:
 * `<idPrefix>articles/<stem>`, the stem percent-encoded), the one named as the id was made when
 * several look alike (`dup.txt` before `dup.TXT`, NFC before NFD), else the first in byte order;
 * with none listed, its seed is gone, and the record is under the name the id was made from, so
 * the run takes the article off the site as it would with its record (the unpublish guard counts
 * it, and its page is deleted). `published` overrides the choice among look-alikes where the
 * seeds tell which one the article came from (publishedLookAlikes). An id of another prefix or
 * form is left out. Each record has the
 * listed version GONE_SEED and an empty page ETag, which match no listing: every listed seed is
 * read, and its page made again. A run that stops part way saves those it did not read as they
 * are, so the run carrying on keeps their addresses too.
 */
export function recoveredRecords(
  recovered: RecoveredArticles,
  seedFileNames: Iterable<string>,
  idPrefix: string,
  published: ReadonlyMap<string, string> = new Map(),
): Record<string, ArticleRecord> {
  const listed = new Map([...listedById(seedFileNames, idPrefix), ...published]);
  const prefix = `${idPrefix}${ARTICLES_PREFIX}`;
  const records: Record<string, ArticleRecord> = {};
  for (const [id, { slug, updated }] of recovered) {
    const made = fileNameOf(id, prefix);
    const fileName = listed.get(id) ?? (made !== undefined && itemId(idPrefix, made) === id ? made : undefined);
    if (fileName === undefined || Object.hasOwn(records, fileName)) continue;
    records[fileName] = goneRecord(slug, updated);
  }
  return records;
}

/**
 * The listed seed each id comes from: where several names give one id, the one named as the id
 * was made (the NFC name with a lower-case `.txt`), else the first in byte order.
 */
function listedById(seedFileNames: Iterable<string>, idPrefix: string): Map<string, string> {
  const prefix = `${idPrefix}${ARTICLES_PREFIX}`;
  const byId = new Map<string, string>();
  for (const fileName of inOrder([...seedFileNames], (name) => name)) {
    const id = itemId(idPrefix, fileName);
    // The first name in order, unless a later one is the canonical name (names are unique, so at most one is).
    if (!byId.has(id) || fileName === fileNameOf(id, prefix)) byId.set(id, fileName);
  }
  return byId;
}

/**
 * Among look-alike seeds (several listed names giving one recovered id), the one the article was
 * published from, where their text tells: the only one whose title is the published item's.
 * By id. The feeds do not say which file an item came from; without this the name the id was
 * made from would win, and a newcomer so named would take over an article published from
 * `story.TXT`. `readableSeeds`: the listed seeds a run may read (not those over MAX_SEED_BYTES,
 * which are refused from their size and never read). A look-alike that cannot be read or parsed
 * is not the one.
 */
export async function publishedLookAlikes(
  recovered: RecoveredArticles,
  readableSeeds: Iterable<string>,
  idPrefix: string,
  seeds: Storage,
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const candidates = new Map<string, string[]>();
  for (const fileName of readableSeeds) {
    const id = itemId(idPrefix, fileName);
    if (recovered.get(id)?.title !== undefined) candidates.set(id, [...(candidates.get(id) ?? []), fileName]);
  }
  const chosen = new Map<string, string>();
  for (const [id, names] of candidates) {
    if (names.length < 2) continue;
    const title = recovered.get(id)!.title;
    const matching: string[] = [];
    for (const fileName of names) {
      // A seed that cannot be read for a reason of its own is not the one; a failing store or a
      // stop fails the run, as with any seed read: guessing then could hand the article over.
      const read = await readSeedIfReadable(seeds, fileName, signal);
      if ('bytes' in read && textFromSeed(fileName, read.bytes)?.title === title) matching.push(fileName);
    }
    if (matching.length === 1) chosen.set(id, matching[0]!);
  }
  return chosen;
}

/** A record that only keeps an article's address: it matches no listing, and is never rendered. */
function goneRecord(slug: string, updated: string | undefined): ArticleRecord {
  return { seed: GONE_SEED, slug, ...(updated ? { updated } : {}), page: { input: '', etag: '' } };
}
