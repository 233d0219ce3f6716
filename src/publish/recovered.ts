/**
 * Permalinks read back from the published JSON feeds, for a run with no manifest to trust (it
 * was deleted or damaged). Every published article is an item of feed.json or of an archive,
 * with its id, its page URL and its edit date: with them an article keeps the page it was first
 * published under, instead of a slug made afresh from today's title, which would move an article
 * whose title was corrected and leave its old page online, linked from nowhere.
 */
import { calendarDayOf } from '../article/calendar.js';
import { itemId } from '../article/identity.js';
import type { FeedConfig } from '../config.js';
import { type ArchiveEnd, type ArchiveLayout, type ArticleRecord, GONE_SEED, laterEditsDropped } from './manifest.js';
import { newerFirst } from './ranking.js';
import { ARTICLES_PREFIX, archiveDocument, SITE_FILES } from '../site-files.js';
import type { Storage } from '../storage/storage.js';

/** By item id: the slug of the article's page, and its edit date when it has one. */
export type RecoveredArticles = ReadonlyMap<string, { readonly slug: string; readonly updated?: string }>;

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
  const recovered = new Map<string, { slug: string; updated?: string }>();
  const laterEdits: { id: string; updated: string }[] = [];
  const archives = new Map<number, { id: string; published: string }[]>();
  // A page is one article's: feeds edited so that two items name one page give it to the first.
  const claimed = new Set<string>();
  for (const key of keys) {
    let items: unknown;
    try {
      const object = await storage.get(key, signal ? { signal } : {});
      items = object && (JSON.parse(Buffer.from(object.body).toString('utf8')) as { items?: unknown }).items;
    } catch (error) {
      if (signal?.aborted) throw error;
      continue;
    }
    if (!Array.isArray(items)) continue;
    const archive = archiveDocument(key)?.number;
    for (const item of items as unknown[]) {
      const { id, url, date_published: published, date_modified: modified } = (item ?? {}) as Record<string, unknown>;
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
      recovered.set(id, updated !== undefined && !afterClock ? { slug, updated } : { slug });
    }
  }
  return { articles: recovered, archives, laterEdits };
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
): ArchiveLayout | undefined {
  let count = 0;
  for (const number of archives.keys()) count = Math.max(count, number);
  // Every number from 1 on, or the pages cannot be told apart.
  if (count < 1 || archives.size !== count) return undefined;
  // Every page but the newest is closed, and the newest too once full (archivePages), as it may
  // have grown past the page size by articles dated back into it.
  const closed = (archives.get(count)?.length ?? 0) >= config.itemLimit ? count : count - 1;
  if (closed === 0) return undefined;
  const fileNames = new Map<string, string>();
  for (const fileName of seedFileNames) fileNames.set(itemId(config.idPrefix, fileName), fileName);
  const prefix = `${config.idPrefix}${ARTICLES_PREFIX}`;
  const ends: ArchiveEnd[] = [];
  for (let number = 1; number <= closed; number++) {
    const items = archives.get(number);
    if (items === undefined || items.length === 0) return undefined;
    let end: ArchiveEnd | undefined;
    for (const { id, published } of items) {
      const fileName = fileNames.get(id) ?? fileNameOf(id, prefix);
      if (fileName === undefined) return undefined;
      const candidate: ArchiveEnd = [calendarDayOf(Date.parse(published), config.publishTime.timeZone), fileName];
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
 * Whether the manifest holds records goneArticles made, kept by a run that recovered them and
 * stopped before it finished: its records then name only the articles it got to.
 */
export function holdsRecoveredRecords(articles: Readonly<Record<string, ArticleRecord>>): boolean {
  for (const record of Object.values(articles)) if (record.seed === GONE_SEED) return true;
  return false;
}

/**
 * Records for the articles the feeds name whose seeds are no longer listed: published, their
 * seeds gone, so the run takes them off the site as it would with their records (the unpublish
 * guard counts them, and their pages are deleted), and keeps their slugs in the tombstones it
 * leaves. Keyed by the file name the id was made from (itemId: `<idPrefix>articles/<stem>`,
 * the stem percent-encoded); an id of another prefix or form is left out. The listed version is
 * GONE_SEED and the page's ETag empty: they match no listing.
 */
export function goneArticles(
  recovered: RecoveredArticles,
  seedFileNames: Iterable<string>,
  idPrefix: string,
): Record<string, ArticleRecord> {
  const listed = new Set<string>();
  for (const fileName of seedFileNames) listed.add(itemId(idPrefix, fileName));
  const prefix = `${idPrefix}${ARTICLES_PREFIX}`;
  const gone: Record<string, ArticleRecord> = {};
  for (const [id, { slug, updated }] of recovered) {
    if (listed.has(id)) continue;
    const fileName = fileNameOf(id, prefix);
    // Only an id itemId makes from that very name: the record must be the one a seed of it would find.
    if (fileName === undefined || itemId(idPrefix, fileName) !== id || Object.hasOwn(gone, fileName)) continue;
    gone[fileName] = goneRecord(slug, updated);
  }
  return gone;
}

/**
 * What a run with recovered addresses that stops part way saves for the listed seeds it has not
 * read: each one's address as a GONE_SEED record under its file name (`has`: names the run has a
 * record for already, left alone). The run carrying on finds records, so it reads no feed back;
 * carriedRecovery gives it these addresses back, and the articles keep their pages and edit
 * dates, as in the run that recovered them.
 */
export function unreadRecovered(
  recovered: RecoveredArticles,
  seedFileNames: Iterable<string>,
  idPrefix: string,
  has: (fileName: string) => boolean,
): Record<string, ArticleRecord> {
  const unread: Record<string, ArticleRecord> = {};
  for (const fileName of seedFileNames) {
    if (has(fileName)) continue;
    const found = recovered.get(itemId(idPrefix, fileName));
    if (found) unread[fileName] = goneRecord(found.slug, found.updated);
  }
  return unread;
}

/**
 * Takes back what unreadRecovered saved: the GONE_SEED records of seeds still listed become the
 * recovered addresses of their ids, and leave the records. Those of seeds not listed stay: they
 * are articles leaving (goneArticles). Undefined when there are none.
 */
export function carriedRecovery(
  articles: Readonly<Record<string, ArticleRecord>>,
  seedFileNames: Iterable<string>,
  idPrefix: string,
): { readonly articles: Record<string, ArticleRecord>; readonly recovered: RecoveredArticles } | undefined {
  const carried = new Map<string, { slug: string; updated?: string }>();
  const kept = { ...articles };
  for (const fileName of seedFileNames) {
    const record = articles[fileName];
    if (record?.seed !== GONE_SEED || record.slug === undefined) continue;
    carried.set(itemId(idPrefix, fileName), { slug: record.slug, ...(record.updated ? { updated: record.updated } : {}) });
    delete kept[fileName];
  }
  return carried.size === 0 ? undefined : { articles: kept, recovered: carried };
}

/** A record that only keeps an article's address: it matches no listing, and is never rendered. */
function goneRecord(slug: string, updated: string | undefined): ArticleRecord {
  return { seed: GONE_SEED, slug, ...(updated ? { updated } : {}), page: { input: '', etag: '' } };
}
