/** Feeds kept under a size limit: readers and validators refuse, or choke on, very large documents. */
import { characterCount, cutWithEllipsis } from '../text/graphemes.js';
import type { FeedItem, FeedModel } from './model.js';
import { renderFeeds, type FeedDocuments } from './render.js';

export type FittedFeeds = {
  readonly documents: FeedDocuments;
  /**
   * How many items lost their full text (keeping summary and link): any whose full text alone is
   * over half the limit first, then the oldest.
   */
  readonly withoutText: number;
  /** The length titles and summaries were cut to (an ellipsis ends a cut one), and the URLs of the items cut; none when nothing was cut. */
  readonly cut?: { readonly length: number; readonly items: readonly string[] };
} & (
  | { readonly stillOver: false }
  /**
   * Nothing that may be left out makes them fit (the channel's own text is over, or titles and
   * summaries cut to SHORTEST_CUT with no full text are): they are as they would be without a
   * limit, full text and all, since leaving it out would not make them fit. `largestItem`: the
   * URL of the item whose title, summary and full text are the longest, the likely cause.
   */
  | { readonly stillOver: true; readonly largestBytes: number; readonly largestItem: string }
);

/**
 * Titles and summaries longer than this are cut before any item loses its full text: readers
 * show a few lines of a summary, and one article's lede of many kilobytes (a seed whose first
 * paragraph is the whole text) should not cost every other article its full text.
 */
export const LONG_CUT = 1000;
/** Titles and summaries are never cut shorter than this: about two lines, still telling what an item is. */
export const SHORTEST_CUT = 140;

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
 * The smallest `n` in [low, high] for which `fits(n)` gives documents, with them, given that it
 * does for `high` (`atHigh`). Each try renders three documents, so the count is searched by
 * halves, not tried one by one: a few hundred items take a few renders, not hundreds.
 */
function smallestThatFits<T>(low: number, high: number, atHigh: T, fits: (n: number) => T | undefined): { n: number; made: T } {
  let best = { n: high, made: atHigh };
  let from = low;
  let to = high;
  while (from < to) {
    const middle = Math.floor((from + to) / 2);
    const made = fits(middle);
    if (made === undefined) from = middle + 1;
    else {
      best = { n: middle, made };
      to = middle;
    }
  }
  return best;
}

/**
 * The three documents, each at most `maxBytes` where that can be done by leaving out what
 * readers can best do without, least needed first, each step only as far as needed:
 * 1. titles and summaries over a length, down to LONG_CUT, are cut to it (with an ellipsis);
 * 2. full texts: first of any item whose full text alone is over half the limit (it would leave
 *    little room for any other), then of the oldest items (the newest, the ones readers have not
 *    seen yet, keep theirs longest);
 * 3. with no full text left, titles and summaries are cut further, never under SHORTEST_CUT.
 * When not even that fits, nothing is left out (see FittedFeeds).
 */
export function renderWithinLimit(
  model: FeedModel,
  maxBytes: number,
  // What is added to the rendered documents before they are written (history links): measured with them.
  finish: (documents: FeedDocuments) => FeedDocuments = (documents) => documents,
): FittedFeeds {
  const render = (items: readonly FeedItem[]) => finish(renderFeeds({ ...model, items: items as [FeedItem, ...FeedItem[]] }));
  const documents = finish(renderFeeds(model));
  if (surelyWithin(documents, maxBytes)) return { documents, withoutText: 0, stillOver: false };
  const size = largest(documents);
  if (size <= maxBytes) return { documents, withoutText: 0, stillOver: false };

  const fitting = (items: readonly FeedItem[]) => {
    const rendered = render(items);
    return largest(rendered) <= maxBytes ? rendered : undefined;
  };
  const longest = Math.max(...model.items.map((item) => Math.max(characterCount(item.title), characterCount(item.summary))));
  const cutTo = (items: readonly FeedItem[], length: number) =>
    length >= longest
      ? items
      : items.map((item) => ({ ...item, title: cutWithEllipsis(item.title, length), summary: cutWithEllipsis(item.summary, length) }));
  /** The URLs of the items whose title or summary `cut` changed (one just over a length may be kept whole: cut, it would not be shorter). */
  const cutItems = (cut: readonly FeedItem[]) =>
    model.items.filter((item, index) => cut[index]!.title !== item.title || cut[index]!.summary !== item.summary).map((item) => item.url);
  /** `items` cut to `length`, with their documents if they fit. */
  const fittingCut = (items: readonly FeedItem[], length: number) => {
    const cut = cutTo(items, length);
    const documents = fitting(cut);
    return documents && { documents, cut: { length, items: cutItems(cut) } };
  };
  /** The longest cut in [shortest, longest] of `items` that fits, if even the shortest does. */
  const longestCut = (items: readonly FeedItem[], shortest: number) => {
    if (shortest >= longest) return undefined;
    const atShortest = fittingCut(items, shortest);
    if (!atShortest) return undefined;
    return smallestThatFits(1, longest - shortest, atShortest, (cutOff) => fittingCut(items, longest - cutOff)).made;
  };

  // 1. Long titles and summaries cut, every full text kept.
  const long = longestCut(model.items, LONG_CUT);
  if (long) return { ...long, withoutText: 0, stillOver: false };

  // 2. Full texts left out, the ones over half the limit, then the oldest, with long titles and
  //    summaries cut to LONG_CUT.
  const count = model.items.length;
  const shortened = cutTo(model.items, LONG_CUT);
  const shortenedItems = cutItems(shortened);
  const longCut = shortenedItems.length > 0 ? { length: LONG_CUT, items: shortenedItems } : undefined;
  const hogs = new Set(model.items.flatMap((item, index) => (bytes(item.contentHtml ?? '') > maxBytes / 2 ? [index] : [])));
  const oldestFirst = model.items.map((_item, index) => count - 1 - index);
  /** The items in `order` lose their full text, the first `n` of them. */
  const withoutText = (order: readonly number[], n: number) => {
    const left = new Set(order.slice(0, n));
    return shortened.map((item, index) => {
      if (!left.has(index)) return item;
      const { contentHtml: _left, ...rest } = item;
      return rest;
    });
  };
  const leaveOut = (order: readonly number[]) => {
    const all = fitting(withoutText(order, order.length));
    if (!all) return undefined;
    const { n, made } = smallestThatFits(1, order.length, all, (n) => fitting(withoutText(order, n)));
    return { documents: made, withoutText: n, ...(longCut ? { cut: longCut } : {}), stillOver: false as const };
  };
  // The oldest first, while that can be enough with the full texts over half the limit kept;
  // else those go first: one article's very long text should not cost every other article its own.
  const oldFirst = hogs.size > 0 ? leaveOut(oldestFirst.filter((index) => !hogs.has(index))) : undefined;
  if (oldFirst) return oldFirst;
  const fitted = leaveOut([...hogs, ...oldestFirst.filter((index) => !hogs.has(index))]);
  if (fitted) return fitted;
  const bare = withoutText(oldestFirst, count);

  // 3. No full text, and titles and summaries cut further.
  const short = longestCut(bare, SHORTEST_CUT);
  if (short) return { ...short, withoutText: count, stillOver: false };
  const weight = (item: FeedItem) => bytes(item.title) + bytes(item.summary) + bytes(item.contentHtml ?? '');
  const heaviest = model.items.reduce((a, b) => (weight(b) > weight(a) ? b : a));
  return { documents, withoutText: 0, stillOver: true, largestBytes: size, largestItem: heaviest.url };
}
