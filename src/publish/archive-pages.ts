/** How the articles older than the feeds' items are cut into RFC 5005 archive pages, and kept so. */
import { ARCHIVE_CACHE_CONTROL } from '../site-files.js';
import { digest, type ArchiveEnd, type ArchiveLayout } from './manifest.js';
import { newerFirst, type Ranked } from './ranking.js';

export interface ArchiveOptions {
  /** Articles a page: the feeds' item limit. */
  readonly size: number;
  /** Cache-Control of the newest page, which is still filling (the feeds' own). */
  readonly cacheControl: string;
  /** Everything else every page is made from (render version, settings): part of each page's input. */
  readonly configKey: string;
}

/** One archive document's worth of articles, and what its three documents are made from. */
export interface ArchivePage {
  readonly number: number;
  /** Newest first, as in a feed. */
  readonly entries: readonly Ranked[];
  readonly cacheControl: string;
  readonly input: string;
}

/**
 * The archives: the articles older than the feeds' items, oldest first, in pages of `itemLimit`.
 * Every page but the newest is closed: the layout records where it ends (its newest article), and
 * later runs keep that end. The newest page is closed too once full, and when it is a closed page
 * that no later article followed (the articles after it were deleted): it keeps its end, and its
 * articles. So an article added at the top moves one item into the newest page and changes no
 * other (the one before it gains a `next-archive` link when a new page starts), and an article
 * deleted, or edited, deep in the history changes only its own page, not every page after it:
 * an archive document stays what it was, as RFC 5005 expects of one.
 *
 * A closed page that lost all its articles is dropped (the pages after it are renumbered), and
 * one that backdated articles swelled past twice the page size makes the whole archive start
 * afresh; both are rare, and both rewrite the pages that change.
 */
export function archivePages(
  ranked: readonly Ranked[],
  options: ArchiveOptions,
  layout: ArchiveLayout | undefined,
): { pages: ArchivePage[]; layout: ArchiveLayout } {
  const { size, configKey } = options;
  const archived = ranked.slice(size).reverse();
  // A layout for another page size says nothing about this one.
  const { pages: chunks, closed, ends: keptEnds } = paginate(archived, size, layout?.pageSize === size ? layout.ends : []);
  const total = chunks.length;
  const pages: ArchivePage[] = chunks.map((chunk, index) => {
    const number = index + 1;
    const entries = [...chunk].reverse();
    const cacheControl = number < total ? fullArchiveCacheControl(options.cacheControl) : options.cacheControl;
    const made = entries.map(({ fileName, record }) => [fileName, record.hash, record.slug, record.day, record.updated ?? '']);
    // Its links depend only on whether an older and a newer page exist.
    const input = digest(configKey, JSON.stringify([cacheControl, number, number < total, made]));
    return { number, entries, cacheControl, input };
  });
  // A closed page keeps the end it was given, not its newest article's place now: that article
  // may be out of the ranking for a while (its seed broken, with no text kept), and when it is
  // back it belongs to this page, not the next. The newest page is closed once full, so that an
  // article dated back into it joins it instead of pushing its newest article into a new page.
  const closing = Math.max(total - 1, closed, chunks.at(-1)?.length === size ? total : 0);
  const ends = chunks.slice(0, closing).map((chunk, index): ArchiveEnd => {
    const kept = keptEnds[index];
    if (kept !== undefined) return kept;
    const { day, fileName } = chunk.at(-1)!;
    return [day, fileName];
  });
  return { pages, layout: { pageSize: size, ends } };
}

/**
 * Archived articles (oldest first) in pages: up to each recorded end, then `size` at a time.
 * `closed`: how many of the pages, from the first, end at a recorded end, and `ends` those ends.
 */
function paginate(
  archived: readonly Ranked[],
  size: number,
  ends: readonly ArchiveEnd[],
): { pages: Ranked[][]; closed: number; ends: ArchiveEnd[] } {
  const pages: Ranked[][] = [];
  const kept: ArchiveEnd[] = [];
  let next = 0;
  for (const end of ends) {
    const page: Ranked[] = [];
    while (next < archived.length && compareToEnd(archived[next]!, end) <= 0) page.push(archived[next++]!);
    if (page.length > 2 * size) return paginate(archived, size, []);
    if (page.length > 0) {
      pages.push(page);
      kept.push(end);
    }
  }
  const closed = pages.length;
  for (; next < archived.length; next += size) pages.push(archived.slice(next, next + size));
  return { pages, closed, ends: kept };
}

/** Where an archived article falls against a page's end, in the archive's oldest-first order: the ranking's, reversed. */
function compareToEnd(entry: Ranked, [day, fileName]: ArchiveEnd): number {
  return newerFirst({ day, fileName }, entry);
}

/**
 * A full archive changes only when one of its own articles does, so it is cached a day, where the
 * setting is a plain `max-age`. Any other setting (`no-store`, `no-cache`, `private`) says what
 * the site wants of every object, and a full archive gets it too.
 */
export function fullArchiveCacheControl(setting: string): string {
  return /^max-age=\d+$/.test(setting.trim()) ? ARCHIVE_CACHE_CONTROL : setting;
}
