/** Feeds kept under a size limit: readers and validators refuse, or choke on, very large documents. */
import type { FeedItem, FeedModel } from './model.js';
import { renderFeeds, type FeedDocuments } from './render.js';

export interface FittedFeeds {
  readonly documents: FeedDocuments;
  /** How many of the oldest items lost their full text (keeping summary and link). */
  readonly withoutText: number;
  /** The largest of the three documents, in bytes. */
  readonly largestBytes: number;
  /** Even without any full text, a document is over the limit. */
  readonly stillOver: boolean;
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const largest = (documents: FeedDocuments) => Math.max(bytes(documents.rss), bytes(documents.atom), bytes(documents.json));

/**
 * The three documents, each at most `maxBytes` where that can be done by leaving out full text:
 * the oldest items lose theirs first, as many at a time as the excess suggests, until all three
 * fit. The newest items, the ones readers have not seen yet, keep theirs longest.
 */
export function renderWithinLimit(model: FeedModel, maxBytes: number): FittedFeeds {
  let documents = renderFeeds(model);
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
    documents = renderFeeds({ ...model, items: items as [FeedItem, ...FeedItem[]] });
    size = largest(documents);
  }
  return { documents, withoutText, largestBytes: size, stillOver: size > maxBytes };
}
