/**
 * Fitting feeds under MAX_FEED_BYTES at its edges: cuts that would cost bytes, graphemes too long
 * to keep whole, bidirectional embeddings a cut leaves open, characters outside the BMP, the
 * newest article's long full text, the item named when nothing fits, and that what is returned
 * is what is reported, over varied escape-heavy models.
 */
import { describe, expect, it } from 'vitest';
import { LONG_CUT, renderWithinLimit, SHORTEST_CUT } from '../../src/feed/fit.js';
import type { FeedItem, FeedModel } from '../../src/feed/model.js';
import { renderFeeds, type FeedDocuments } from '../../src/feed/render.js';
import { characterCount, cutWithEllipsis } from '../../src/text/graphemes.js';
import { makeItem, makeModel } from '../helpers/factory.js';

const KIB = 1024;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const largest = (documents: FeedDocuments) => Math.max(bytes(documents.rss), bytes(documents.atom), bytes(documents.json));
const modelOf = (items: FeedItem[]): FeedModel => makeModel(items as [FeedItem, ...FeedItem[]]);
const withoutText = (item: FeedItem): FeedItem => {
  const { contentHtml: _left, ...rest } = item;
  return rest;
};
const cutAll = (model: FeedModel, length: number): FeedModel => ({
  ...model,
  items: model.items.map((item) => ({
    ...item,
    title: cutWithEllipsis(item.title, length),
    summary: cutWithEllipsis(item.summary, length),
  })) as unknown as FeedModel['items'],
});
type JsonItem = { url: string; title?: string; summary: string; content_html?: string; content_text?: string };
const jsonItems = (documents: FeedDocuments): JsonItem[] => (JSON.parse(documents.json) as { items: JsonItem[] }).items;

describe('binary searches over sizes that are not monotone', () => {
  it('keeps every full text when cutting the long titles and summaries to a length of at least LONG_CUT fits', () => {
    // One long lede (3,000) and ten ledes of 1,001 characters: all cut to 1,001 fits with all full texts.
    const items = [
      makeItem({ id: 'tag:news.example.org,2026:articles/long', summary: 'y'.repeat(3000), contentHtml: '<p>Short.</p>' }),
      ...Array.from({ length: 10 }, (_, n) =>
        makeItem({
          id: `tag:news.example.org,2026:articles/n${n}`,
          summary: 'x'.repeat(LONG_CUT + 1),
          contentHtml: `<p>${'Body. '.repeat(300)}</p>`,
        }),
      ),
    ];
    const model = modelOf(items);
    const limit = largest(renderFeeds(cutAll(model, LONG_CUT + 1)));

    const fitted = renderWithinLimit(model, limit);

    expect(fitted.stillOver).toBe(false);
    expect(largest(fitted.documents)).toBeLessThanOrEqual(limit);
    expect({ withoutText: fitted.withoutText }).toEqual({ withoutText: 0 });
  });

  it('a cut never makes a text longer in characters than the cut length', () => {
    for (const text of ['x'.repeat(1001), `${'é'.repeat(500)}  ${'x'.repeat(600)}`, '👨‍👩‍👧'.repeat(300)])
      for (const max of [1, 2, 7, 140, 1000]) {
        const cut = cutWithEllipsis(text, max);
        // Or the text as it is, where a cut would not be shorter in bytes (1,001 ASCII characters to 1,000).
        if (cut !== text) expect(characterCount(cut)).toBeLessThanOrEqual(max);
      }
  });

  it('a cut is never larger in UTF-8 bytes than the text it was cut from', () => {
    const text = 'x'.repeat(LONG_CUT + 1);

    const cut = cutWithEllipsis(text, LONG_CUT);

    expect(bytes(cut)).toBeLessThanOrEqual(bytes(text));
  });
});

describe('cutWithEllipsis', () => {
  it('handles max below one grapheme, surrogate pairs, trailing whitespace and CRLF without lone surrogates', () => {
    expect(cutWithEllipsis('👍🏽👍🏽👍🏽', 3)).toBe('👍🏽…');
    expect(cutWithEllipsis('👍🏽👍🏽👍🏽', 2)).toBe('…');
    expect(cutWithEllipsis('x'.repeat(1001), 1000)).toBe('x'.repeat(1001));
    expect(cutWithEllipsis('👍🏽👍🏽👍🏽', 0)).toBe('');
    expect(cutWithEllipsis('ab   cd', 6)).toBe('ab…');
    expect(cutWithEllipsis('ab\r\ncd', 4)).toBe('ab…');
    expect(cutWithEllipsis('𠮷'.repeat(600), 1000)).toBe('𠮷'.repeat(600));
    const cut = cutWithEllipsis('𠮷'.repeat(600), 500);
    expect(cut).toBe(`${'𠮷'.repeat(499)}…`);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(cut)).toBe(false);
  });

  it('keeps at least SHORTEST_CUT characters of a long summary whose first word carries thousands of combining marks', () => {
    const summary = `a${'\u0301'.repeat(5000)} and then an ordinary sentence that readers could read in full.`;

    const cut = cutWithEllipsis(summary, LONG_CUT);

    expect(cut).not.toBe('…');
    expect(cut.length).toBeGreaterThanOrEqual(SHORTEST_CUT);
  });

  it('leaves no bidi embedding, override or isolate open that the text had closed', () => {
    const open = (text: string) => {
      let embeddings = 0;
      let isolates = 0;
      for (const char of text) {
        if ('\u202A\u202B\u202D\u202E'.includes(char)) embeddings++;
        else if (char === '\u202C') embeddings = Math.max(0, embeddings - 1);
        else if ('\u2066\u2067\u2068'.includes(char)) isolates++;
        else if (char === '\u2069') isolates = Math.max(0, isolates - 1);
      }
      return { embeddings, isolates };
    };
    const title = `Quote: \u202E${'override text '.repeat(100)}\u202C and \u2067${'שלום '.repeat(300)}\u2069 end`;
    expect(open(title)).toEqual({ embeddings: 0, isolates: 0 });

    expect(open(cutWithEllipsis(title, 500))).toEqual({ embeddings: 0, isolates: 0 });
    expect(open(cutWithEllipsis(title, 1000))).toEqual({ embeddings: 0, isolates: 0 });
  });
});

describe('what is cut, and said', () => {
  it('does not cut a summary of 600 characters as one "over 1,000 characters"', () => {
    const items = [
      makeItem({ id: 'tag:news.example.org,2026:articles/astral', summary: '𠮷'.repeat(600), contentHtml: '<p>Short.</p>' }),
      ...Array.from({ length: 6 }, (_, n) =>
        makeItem({ id: `tag:news.example.org,2026:articles/n${n}`, contentHtml: `<p>${'Body. '.repeat(300)}</p>` }),
      ),
    ];
    const model = modelOf(items);
    const limit = largest(renderFeeds(model)) - 100;

    const fitted = renderWithinLimit(model, limit);

    expect(largest(fitted.documents)).toBeLessThanOrEqual(limit);
    expect([...jsonItems(fitted.documents)[0]!.summary].length).toBe(600);
    expect(fitted.cut?.items ?? []).not.toContain(items[0]!.url);
  });

  it('keeps the newest full text when leaving out a few old ones fits', () => {
    const newest = makeItem({
      id: 'tag:news.example.org,2026:articles/newest',
      published: new Date('2026-02-10T00:00:00.000Z'),
      contentHtml: `<p>${'The newest report, at length. '.repeat(290)}</p>`,
    });
    const older = Array.from({ length: 3 }, (_, n) =>
      makeItem({
        id: `tag:news.example.org,2026:articles/old${n}`,
        published: new Date(Date.UTC(2026, 1, 5 - n)),
        contentHtml: `<p>${'An older note. '.repeat(150)}</p>`,
      }),
    );
    const model = modelOf([newest, ...older]);
    const limit = 16 * KIB;
    expect(bytes(newest.contentHtml!)).toBeGreaterThan(limit / 2);
    const oldestOut = (count: number) =>
      renderFeeds({
        ...model,
        items: model.items.map((item, index) =>
          index >= model.items.length - count ? withoutText(item) : item,
        ) as unknown as FeedModel['items'],
      });
    expect(largest(renderFeeds(model))).toBeGreaterThan(limit);
    expect(largest(oldestOut(2))).toBeLessThanOrEqual(limit);

    const fitted = renderWithinLimit(model, limit);

    expect(fitted.stillOver).toBe(false);
    expect(jsonItems(fitted.documents)[0]!.content_html).toBe(newest.contentHtml);
  });

  it('names the item with the most bytes when nothing fits', () => {
    const cjk = makeItem({ id: 'tag:news.example.org,2026:articles/cjk', contentHtml: `<p>${'漢字'.repeat(1500)}</p>` });
    const ascii = makeItem({ id: 'tag:news.example.org,2026:articles/ascii', contentHtml: `<p>${'ab'.repeat(2500)}</p>` });
    const model = modelOf([cjk, ascii]);

    const fitted = renderWithinLimit(model, 1000);

    expect(fitted.stillOver).toBe(true);
    expect(fitted.stillOver && fitted.largestItem).toBe(cjk.url);
  });
});

describe('what is returned is what is reported', () => {
  it('renders exactly the reported choice, within the limit, over varied escape-heavy models', () => {
    let state = 12345;
    const random = () => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state / 0x7fffffff;
    };
    const pieces = ['word ', 'é', '漢', '&amp;', '<b>', ']]>', '"', '\\', '👨‍👩‍👧', 'a\u0301', '\u202Eab\u202C', ' ', 'x'];
    const text = (length: number) => {
      let out = '';
      while (out.length < length) out += pieces[Math.floor(random() * pieces.length)];
      return out;
    };
    const started = Date.now();
    for (let trial = 0; trial < 80; trial++) {
      const count = 1 + Math.floor(random() * 8);
      const model = modelOf(
        Array.from({ length: count }, (_, n) =>
          makeItem({
            id: `tag:news.example.org,2026:articles/t${trial}-${n}`,
            published: new Date(Date.UTC(2026, 0, 28 - n)),
            title: `T${text(Math.floor(random() ** 3 * 2500))}`,
            summary: `S${text(Math.floor(random() ** 2 * 2500))}`,
            contentHtml: `<p>${text(Math.floor(random() ** 2 * 12000))}</p>`,
          }),
        ),
      );
      const limit = Math.floor(largest(renderFeeds(model)) * (0.2 + random() * 0.8));

      const fitted = renderWithinLimit(model, limit);

      if (fitted.stillOver) {
        expect(fitted.documents).toEqual(renderFeeds(model));
        continue;
      }
      const hogs = model.items.flatMap((item, index) => (bytes(item.contentHtml ?? '') > limit / 2 ? [index] : []));
      const order = [...hogs, ...model.items.map((_, index) => count - 1 - index).filter((index) => !hogs.includes(index))];
      const left = new Set(order.slice(0, fitted.withoutText));
      const cut = fitted.cut ? cutAll(model, fitted.cut.length) : model;
      const replica = renderFeeds({
        ...model,
        items: cut.items.map((item, index) => (left.has(index) ? withoutText(item) : item)) as unknown as FeedModel['items'],
      });
      expect(fitted.documents, `trial ${trial}`).toEqual(replica);
      expect(largest(fitted.documents), `trial ${trial}`).toBeLessThanOrEqual(limit);
    }
    // Hang detector only.
    expect(Date.now() - started).toBeLessThan(120_000);
  }, 180_000);
});
