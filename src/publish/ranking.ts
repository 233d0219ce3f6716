/** The order of published articles that the feeds, the index and the archives share. */
import { compareStrings } from '../text/order.js';
import type { ArticleRecord } from './manifest.js';

/**
 * Whether a record is among the articles the feeds and archives show. A seed that broke while
 * outside the feeds has no text left to show: its page stays, the feeds go without it.
 */
export function isRanked(record: ArticleRecord): record is ArticleRecord & { readonly day: string } {
  return record.page !== undefined && record.day !== undefined && (record.rejected === undefined || record.text !== undefined);
}

/** Where an article stands in the ranking: its calendar day, then its seed's file name. */
export interface RankKey {
  readonly day: string;
  readonly fileName: string;
}

/** A published article, ranked. */
export interface Ranked extends RankKey {
  readonly record: ArticleRecord;
}

/**
 * The one order of published articles, newest first: later days first, then by file name.
 * Comparing days is comparing publish instants, since every day goes out at the same time of
 * day in the same zone; ties between equal instants go by file name, cheap for a whole archive
 * and the same on every run. Within each document (the feeds, the index, an archive) the items
 * of one day are in the feed model's order, by item id (compareItems).
 */
export function newerFirst(a: RankKey, b: RankKey): number {
  if (a.day !== b.day) return a.day > b.day ? -1 : 1;
  return compareStrings(a.fileName, b.fileName);
}

/**
 * Every published article, newest first (newerFirst): the first `itemLimit` are the feeds'
 * items and the index; the rest, oldest first, fill the archives. The feeds' items and the
 * newest archive keep their text in the manifest, so the next run that changes none of them
 * reads none.
 */
export function rankPublished(records: ReadonlyMap<string, ArticleRecord>): Ranked[] {
  const published: Ranked[] = [];
  for (const [fileName, record] of records) if (isRanked(record)) published.push({ day: record.day, fileName, record });
  return published.sort(newerFirst);
}
