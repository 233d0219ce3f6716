/**
 * Seeds saved again under a name with the same item id: the same article, not a new one. The id
 * is made from the file name in NFC without its `.txt` in any case (identity.ts), so a file a
 * tool wrote back in NFD (macOS does), or whose extension became `.TXT`, keeps its id; readers
 * already take it for the same item. Its record follows it, so its page, its edit date and its
 * place in the archive stay. A rename that changes the id is a new article, as the README says.
 *
 * Cost: nothing unless a listed seed has no record; then one pass over the records' names.
 */
import { itemId } from '../article/identity.js';
import { compareStrings } from '../text/order.js';
import { type ArchiveEnd, type ArchiveLayout, type ArticleRecord, endsInOrder, type Manifest } from './manifest.js';

/** A seed file's name, as the seeds listing takes them. */
const SEED_NAME = /\.txt$/i;

/**
 * The manifest with the record of a seed not listed now moved to the listed name that has its id
 * and no record of its own (the first such name in byte order, the one idCollisions lets keep
 * the id). Of several records of one id, one whose seed was listed in the last run goes first
 * (the rename happened since), then the first in byte order: a gone seed put back under a
 * look-alike name gets its page back, as one put back under its own name does. Records without
 * a slug (never published) stay where they are. The same manifest when nothing moved.
 */
export function withRenamedSeeds(manifest: Manifest, listedNames: readonly string[], idPrefix: string): Manifest {
  const newcomers = listedNames.filter((name) => manifest.articles[name] === undefined);
  if (newcomers.length === 0) return manifest;
  const listed = new Set(listedNames);
  const goneById = new Map<string, string>();
  // The records in whatever order they come: the choice between two of one id does not depend on it.
  for (const [name, record] of Object.entries(manifest.articles)) {
    // Only a seed's record: a name that is no seed file's (added to the manifest by hand) stays.
    if (listed.has(name) || record.slug === undefined || !SEED_NAME.test(name)) continue;
    const id = itemId(idPrefix, name);
    const kept = goneById.get(id);
    if (kept === undefined || precedes(name, record, kept, manifest.articles[kept]!)) goneById.set(id, name);
  }
  if (goneById.size === 0) return manifest;
  const moves = new Map<string, string>();
  for (const name of [...newcomers].sort(compareStrings)) {
    const id = itemId(idPrefix, name);
    const from = goneById.get(id);
    if (from === undefined) continue;
    moves.set(from, name);
    goneById.delete(id);
  }
  if (moves.size === 0) return manifest;
  const articles: Record<string, ArticleRecord> = {};
  for (const [name, record] of Object.entries(manifest.articles)) articles[moves.get(name) ?? name] = record;
  return { ...manifest, articles, ...(manifest.archive ? { archive: withRenamedEnds(manifest.archive, moves) } : {}) };
}

/**
 * A closed archive page that ends at a renamed article ends at its new name, so the article keeps
 * its page (`dup.TXT` sorts before `dup.txt`: under the old end it would fall into the next page).
 * Unless the new names would put two ends of one day out of order: the ends stay as they are then.
 */
function withRenamedEnds(layout: ArchiveLayout, moves: ReadonlyMap<string, string>): ArchiveLayout {
  if (!layout.ends.some(([, fileName]) => moves.has(fileName))) return layout;
  const ends = layout.ends.map(([day, fileName]): ArchiveEnd => [day, moves.get(fileName) ?? fileName]);
  return endsInOrder(ends) ? { ...layout, ends } : layout;
}

/** Of two gone records of one id, the one a newcomer takes: the one whose seed was listed last, then the first in byte order. */
function precedes(name: string, record: ArticleRecord, other: string, otherRecord: ArticleRecord): boolean {
  const listedLast = record.seed !== undefined;
  if (listedLast !== (otherRecord.seed !== undefined)) return listedLast;
  return compareStrings(name, other) < 0;
}
