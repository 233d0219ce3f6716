/** The order of published articles that the feeds, the index and the archives share. */
import type { FeedConfig } from '../config.js';
import { publishedInstant } from '../feed/items.js';
import { compareStrings } from '../text/order.js';
import type { ArticleRecord } from './manifest.js';

/**
 * Whether a record is among the articles the feeds and archives show. A seed that broke while
 * outside the feeds has no text left to show: its page stays, the feeds go without it.
 */
export function isRanked(record: ArticleRecord): record is ArticleRecord & { readonly day: string } {
  return record.page !== undefined && record.day !== undefined && (record.rejected === undefined || record.text !== undefined);
}

/** A published article, ranked. */
export interface Ranked {
  readonly fileName: string;
  readonly record: ArticleRecord;
  readonly published: Date;
}

/**
 * Every published article, newest first by publish instant then file name: the first `itemLimit` are
 * the feeds' items and the index; the rest, oldest first, fill the archives. The feeds' items
 * and the newest archive keep their text in the manifest, so the next run that changes none of
 * them reads none.
 */
export function rankPublished(records: ReadonlyMap<string, ArticleRecord>, config: FeedConfig): Ranked[] {
  const published: { fileName: string; record: ArticleRecord; instant: number }[] = [];
  for (const [fileName, record] of records) {
    if (isRanked(record)) published.push({ fileName, record, instant: publishedInstant(record.day, config) });
  }
  // Ties between equal instants go by file name: cheap for a whole archive, and the same on
  // every run. Within each document the feed model orders its items by id as always.
  return published
    .sort((a, b) => b.instant - a.instant || compareStrings(a.fileName, b.fileName))
    .map(({ fileName, record, instant }) => ({ fileName, record, published: new Date(instant) }));
}
