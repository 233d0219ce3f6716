/** Feeds kept under a size limit: readers and validators refuse, or choke on, very large documents. */
import type { FeedItem, FeedModel } from './model.js';
import { renderFeeds, type FeedDocuments } from './render.js';

export type FittedFeeds = {
  readonly documents: FeedDocuments;
  /** How many of the oldest items lost their full text (keeping summary and link). */
  readonly withoutText: number;
} & (
  | { readonly stillOver: false }
  /** Even without any full text, a document is over the limit: the largest is this many bytes. */
  | { readonly stillOver: true; readonly largestBytes: number }
);

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const largest = (documents: FeedDocuments) => Math.max(bytes(documents.rss), bytes(documents.atom), bytes(documents.json));

/**
 * UTF-8 takes at most three bytes per UTF-16 unit (a surrogate pair, two units, takes four), so
 * documents this short fit without being measured: counting the bytes of an archive's three
 * documents costs more than rendering some of them.
 */
const surelyWithin = (documents: FeedDocuments, maxBytes: number) =>
  3 * Math.max(documents.rss.length, documents.atom.length, documents.json.length) <= maxBytes;

/**
 * The three documents, each at most `maxBytes` where that can be done by leaving out full text:
 * the oldest items lose theirs first, as many at a time as the excess suggests, until all three
 * fit. The newest items, the ones readers have not seen yet, keep theirs longest.
 */
export function renderWithinLimit(
  model: FeedModel,
  maxBytes: number,
  // What is added to the rendered documents before they are written (history links): measured with them.
  finish: (documents: FeedDocuments) => FeedDocuments = (documents) => documents,
): FittedFeeds {
  let documents = finish(renderFeeds(model));
  if (surelyWithin(documents, maxBytes)) return { documents, withoutText: 0, stillOver: false };
  let size = largest(documents);
  const items: FeedItem[] = [...model.items];
  let withoutText = 0;
  while (size > maxBytes && withoutText < items.length) {
    let freed = 0;
    while (freed < size - maxBytes && withoutText < items.length) {
      const index = items.length - 1 - withoutText;
      const { contentHtml, ...rest } = items[index]!;
      freed += bytes(contentHtml ?? '');
      items[index] = rest;
      withoutText++;
    }
    documents = finish(renderFeeds({ ...model, items: items as [FeedItem, ...FeedItem[]] }));
    size = largest(documents);
  }
  return size > maxBytes ? { documents, withoutText, stillOver: true, largestBytes: size } : { documents, withoutText, stillOver: false };
}
