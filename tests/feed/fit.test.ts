/** Feeds fitted under MAX_FEED_BYTES: measured as they are written, the oldest items' full text going first. */
import { describe, expect, it } from 'vitest';
import { renderWithinLimit } from '../../src/feed/fit.js';
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

  it('says when even without any full text a document is over, and how large the largest is', () => {
    // Prepare
    const feed = model();

    // Act
    const fitted = renderWithinLimit(feed, 1000);

    // Assess
    expect(fitted.withoutText).toBe(4);
    expect(fitted.stillOver).toBe(true);
    expect(fitted.stillOver && fitted.largestBytes).toBe(Math.max(...bytes(fitted.documents)));
  });
});
