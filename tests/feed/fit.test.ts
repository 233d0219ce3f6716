/** Feeds fitted under MAX_FEED_BYTES: measured as they are written, the oldest items' full text going first. */
import { describe, expect, it } from 'vitest';
import { renderWithinLimit } from '../../src/feed/fit.js';
import { characterCount } from '../../src/text/graphemes.js';
import { renderFeeds, type FeedDocuments } from '../../src/feed/render.js';
import { makeItem, makeModel } from '../helpers/factory.js';

const bytes = (documents: FeedDocuments) => Object.values(documents).map((document) => Buffer.byteLength(document));

function model() {
  const items = [1, 2, 3, 4].map((n) =>
    makeItem({ id: `tag:news.example.org,2026:articles/${n}`, contentHtml: `<p>${'Long text. '.repeat(200)}</p>` }),
  );
  return makeModel(items as [ReturnType<typeof makeItem>, ...ReturnType<typeof makeItem>[]]);
}

describe('renderWithinLimit', () => {
  it('keeps every full text when the documents fit, and says nothing is over', () => {
    // Prepare
    const feed = model();
    const largest = Math.max(...bytes(renderFeeds(feed)));

    // Act
    const fitted = renderWithinLimit(feed, largest);

    // Assess
    expect(fitted.withoutText).toBe(0);
    expect(fitted.stillOver).toBe(false);
    expect(fitted.documents).toEqual(renderFeeds(feed));
  });

  it('measures the documents with what is added to them before they are written', () => {
    // Prepare: a limit the bare documents meet, which 500 bytes added to each (history links) break.
    const feed = model();
    const limit = Math.max(...bytes(renderFeeds(feed))) + 100;
    const padding = ' '.repeat(500);
    const finish = (documents: FeedDocuments): FeedDocuments => ({
      rss: documents.rss + padding,
      atom: documents.atom + padding,
      json: documents.json + padding,
    });

    // Act
    const fitted = renderWithinLimit(feed, limit, finish);

    // Assess
    expect(fitted.withoutText).toBeGreaterThan(0);
    expect(fitted.stillOver).toBe(false);
    for (const size of bytes(fitted.documents)) expect(size).toBeLessThanOrEqual(limit);
    expect(fitted.documents.rss.endsWith(padding)).toBe(true);
  });

  it('leaves nothing out when even without any full text and with titles and summaries cut a document is over, and says how large the largest is and which item is longest', () => {
    // Prepare
    const feed = model();

    // Act
    const fitted = renderWithinLimit(feed, 1000);

    // Assess
    expect(fitted.withoutText).toBe(0);
    expect(fitted.documents).toEqual(renderFeeds(feed));
    expect(fitted.stillOver).toBe(true);
    expect(fitted.stillOver && fitted.largestBytes).toBe(Math.max(...bytes(fitted.documents)));
    expect(fitted.stillOver && fitted.largestItem).toBe(feed.items[0].url);
  });

  it('leaves out as few full texts as fit, oldest first, found in a few renders', () => {
    // Prepare: 40 items; a limit met once the 15 oldest lose their full text, not before.
    const items = Array.from({ length: 40 }, (_, n) =>
      makeItem({ id: `tag:news.example.org,2026:articles/${n}`, contentHtml: `<p>${'Text. '.repeat(50 + n)}</p>` }),
    );
    const feed = makeModel(items as [ReturnType<typeof makeItem>, ...ReturnType<typeof makeItem>[]]);
    const without = (count: number) =>
      renderFeeds({
        ...feed,
        items: feed.items.map((item, index) => {
          if (index < 40 - count) return item;
          const { contentHtml: _left, ...rest } = item;
          return rest;
        }) as unknown as typeof feed.items,
      });
    const limit = Math.max(...bytes(without(15)));
    expect(Math.max(...bytes(without(14)))).toBeGreaterThan(limit);
    let renders = 0;
    const counting = (documents: FeedDocuments) => {
      renders++;
      return documents;
    };

    // Act
    const fitted = renderWithinLimit(feed, limit, counting);

    // Assess
    expect(fitted.stillOver).toBe(false);
    expect(fitted.withoutText).toBe(15);
    expect(fitted.documents).toEqual(without(15));
    // One whole render, one without any full text, and a search by halves over 40.
    expect(renders).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(40)));
  });

  it('cuts an item’s very long title and summary before any item loses its full text, between graphemes, with an ellipsis', () => {
    // Prepare
    const items = [
      makeItem({ id: 'tag:news.example.org,2026:articles/long', summary: `${'Ça va 👨‍👩‍👧 '.repeat(4000)}`, contentHtml: '<p>Short.</p>' }),
      ...[1, 2, 3].map((n) =>
        makeItem({ id: `tag:news.example.org,2026:articles/${n}`, contentHtml: `<p>${'Long text. '.repeat(100)}</p>` }),
      ),
    ];
    const feed = makeModel(items as [ReturnType<typeof makeItem>, ...ReturnType<typeof makeItem>[]]);

    // Act
    const fitted = renderWithinLimit(feed, 32 * 1024);

    // Assess
    expect(fitted.stillOver).toBe(false);
    expect(fitted.withoutText).toBe(0);
    expect(fitted.cut?.items).toEqual([feed.items[0].url]);
    const summary = (JSON.parse(fitted.documents.json) as { items: { summary: string }[] }).items[0]!.summary;
    expect(characterCount(summary)).toBeLessThanOrEqual(fitted.cut!.length);
    expect(summary.length).toBeGreaterThanOrEqual(1000);
    expect(summary.endsWith('…')).toBe(true);
    expect(summary.slice(0, -1)).toBe(summary.slice(0, -1).normalize('NFC'));
    expect(/\uD83D$|\u200D$/.test(summary.slice(0, -1))).toBe(false);
  });
});
