/** The hostile fixture corpus through the whole build: valid feeds, text intact, bad files refused by name. */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSeedFolder } from '../../src/local/seed-folder.js';
import { buildFeeds, type Build } from '../../src/publish/build.js';
import { ID_PREFIX, makeConfig } from '../helpers/factory.js';
import {
  atomFeed,
  atomSchemaErrors,
  attr,
  children,
  htmlToText,
  jsonFeedSchemaErrors,
  rssChannel,
  text,
  xmlErrors,
  type JsonFeed,
  type JsonFeedItem,
  type XmlNode,
} from '../helpers/feeds.js';

const HOSTILE_DIR = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url));
const NOW = new Date('2026-03-01T00:00:00.000Z');

const LONG_TITLE =
  Array.from({ length: 40 }, (_, i) => `Word${i + 1}`).join(' ') +
  ' — and Then Some More Words to Push It Well Past Any Sensible Length for a Headline';

/** Every file the corpus should accept, with the title readers must see. */
const ACCEPTED: Readonly<Record<string, string>> = {
  'bare-url.txt': 'A Link on Its Own',
  'bom-crlf.txt': 'Written on Windows',
  'cdata-end-twice.txt': 'Ends ]]> twice ]]> here',
  'control-chars.txt': 'Bell NUL VT US end',
  'emoji.txt': 'Emoji 🚋🇺🇦 and 👩‍👩‍👧 families',
  'literal-entities.txt': 'Fish &amp; Chips &lt;3 &#x26;',
  'markup.txt': "Use <b> for bold & AT&T's <i>tags</i>",
  'photo-credit.txt': 'Photo Credit With Awkward Characters',
  'rtl.txt': 'مرحبا بالعالم — שלום עולם',
  'very-long-title.txt': LONG_TITLE,
};

interface Views {
  rss: XmlNode;
  atom: XmlNode;
  json: JsonFeedItem;
}

let build: Build;
let documents: { rss: string; atom: string; json: string };
/** Each accepted file's item in the three formats, found by its id. */
let byFile: Map<string, Views>;

beforeAll(async () => {
  build = buildFeeds(await readSeedFolder(HOSTILE_DIR), { config: makeConfig(), now: NOW });
  if (!build.feed) throw new Error('the hostile corpus built no feed');
  documents = build.feed.documents;
  const rssItems = children(rssChannel(documents.rss), 'item');
  const atomEntries = children(atomFeed(documents.atom), 'entry');
  const jsonItems = (JSON.parse(documents.json) as JsonFeed).items;
  byFile = new Map(
    Object.keys(ACCEPTED).map((fileName) => {
      // An item's id is the prefix, `articles/` and the file name without `.txt` (every name here is plain ASCII).
      const id = `${ID_PREFIX}articles/${fileName.slice(0, -'.txt'.length)}`;
      const find = <T>(list: T[], idOf: (entry: T) => string): T => {
        const found = list.filter((entry) => idOf(entry) === id);
        if (found.length !== 1) throw new Error(`${found.length} entries with id ${id}`);
        return found[0]!;
      };
      return [
        fileName,
        {
          rss: find(rssItems, (item) => text(item.guid)),
          atom: find(atomEntries, (entry) => text(entry.id)),
          json: find(jsonItems, (item) => item.id),
        },
      ];
    }),
  );
});

describe('the hostile corpus', () => {
  it('rejects exactly the four bad files, by name, line and reason', () => {
    // Prepare: built once in beforeAll from tests/fixtures/hostile

    // Act
    const rejected = build.corpus.rejected.map((error) => [error.fileName, error.line, error.reason]);

    // Assess
    expect(rejected).toEqual([
      ['2026-02-30-impossible-date.txt', 1, '2026-02-30 is not a date on the calendar'],
      ['binary-junk.txt', 1, 'the file is not valid UTF-8 text'],
      ['empty-title.txt', 1, 'the title after the date is empty'],
      ['latin1.txt', 1, 'the file is not valid UTF-8 text'],
    ]);
  });

  it('publishes every other file (and ignores the README beside them)', () => {
    // Prepare: built once in beforeAll

    // Act
    const published = build.published.map((entry) => entry.item.id).sort();

    // Assess: an item's id is the prefix, `articles/` and the file name without `.txt`.
    expect(published).toEqual(
      Object.keys(ACCEPTED)
        .map((fileName) => `${ID_PREFIX}articles/${fileName.slice(0, -'.txt'.length)}`)
        .sort(),
    );
    expect(build.feed?.model.items).toHaveLength(Object.keys(ACCEPTED).length);
  });

  it('gives well-formed RSS and Atom', async () => {
    // Prepare: built once in beforeAll

    // Act
    const errors = [...(await xmlErrors(documents.rss, 'rss.xml')), ...(await xmlErrors(documents.atom, 'atom.xml'))];

    // Assess
    expect(errors).toEqual([]);
  });

  it('gives Atom valid against the RFC 4287 RELAX NG grammar', async () => {
    // Prepare: built once in beforeAll

    // Act
    const errors = await atomSchemaErrors(documents.atom);

    // Assess
    expect(errors).toEqual([]);
  });

  it('gives a JSON Feed valid against the 1.1 schema', () => {
    // Prepare: built once in beforeAll

    // Act
    const errors = jsonFeedSchemaErrors(JSON.parse(documents.json));

    // Assess
    expect(errors).toEqual([]);
  });

  it.each(Object.entries(ACCEPTED))('%s: the same exact title in RSS, Atom (html) and JSON', (fileName, title) => {
    // Prepare
    const views = byFile.get(fileName)!;

    // Act
    const titles = [text(views.rss.title), htmlToText(text(views.atom.title)), views.json.title];

    // Assess
    expect(titles).toEqual([title, title, title]);
  });

  it.each(Object.keys(ACCEPTED))('%s: the same body and summary in all three formats', (fileName) => {
    // Prepare
    const views = byFile.get(fileName)!;

    // Act
    const bodies = [text(views.rss['content:encoded']), text(views.atom.content), views.json.content_html];
    const summaries = [htmlToText(text(views.rss.description)), htmlToText(text(views.atom.summary)), views.json.summary];

    // Assess
    expect(bodies[0]).not.toBe('');
    expect(bodies).toEqual([bodies[0], bodies[0], bodies[0]]);
    expect(summaries).toEqual([summaries[0], summaries[0], summaries[0]]);
  });

  it('markup.txt: the script and the link in the body are text, not elements', () => {
    // Prepare
    const views = byFile.get('markup.txt')!;

    // Act
    const body = views.json.content_html!;

    // Assess
    expect(body).toBe(
      // A short line without final punctuation is a heading: the parser's rule, markup or not.
      '<h2>&lt;script&gt;alert(1)&lt;/script&gt;</h2>\n' +
        '<p>A paragraph with &lt;a href="https://evil.example/"&gt;a link&lt;/a&gt; &amp; an &amp;amp; entity.</p>',
    );
    expect(body).not.toMatch(/<script|<a /);
  });

  it('cdata-end-twice.txt: every `]]>` survives in the body', () => {
    // Prepare
    const views = byFile.get('cdata-end-twice.txt')!;

    // Act
    const body = text(views.rss['content:encoded']);

    // Assess
    expect(body).toBe('<p>First ]]&gt; and second ]]&gt; in one paragraph.</p>\n<p>A third ]]]]&gt; one, nested.</p>');
  });

  it('control-chars.txt: the control characters are gone and the words around them stay', () => {
    // Prepare
    const views = byFile.get('control-chars.txt')!;

    // Act
    const body = text(views.atom.content);

    // Assess
    expect(body).toBe('<p>Body with controls and a form feed here.</p>');
  });

  it('rtl.txt: right-to-left text and its direction marks are kept', () => {
    // Prepare
    const views = byFile.get('rtl.txt')!;

    // Act
    const summary = htmlToText(text(views.rss.description));

    // Assess
    expect(summary).toBe('نص عربي مع \u200Fכמה מילים בעברית\u200E و 123 (ثلاثة).');
  });

  it('bare-url.txt: a paragraph that is a URL becomes one link, its `&` escaped once', () => {
    // Prepare
    const views = byFile.get('bare-url.txt')!;

    // Act
    const body = text(views.atom.content);

    // Assess
    expect(body).toContain(
      '<p><a href="https://example.org/report?year=2026&amp;lang=en#summary">https://example.org/report?year=2026&amp;lang=en#summary</a></p>',
    );
  });

  it('photo-credit.txt: the credit names the escaped author, the licence and the place', () => {
    // Prepare
    const views = byFile.get('photo-credit.txt')!;

    // Act
    const body = views.json.content_html!;

    // Assess
    expect(body).toContain(
      '<figure><figcaption>Photo: <a href="https://commons.wikimedia.org/">commons.wikimedia.org</a> by Jane &amp; John &lt;Doe&gt;, ' +
        '<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>, Kyiv &amp; Lviv</figcaption></figure>',
    );
  });

  it('very-long-title.txt: the whole title is kept while the page slug is cut to 80 characters', () => {
    // Prepare
    const views = byFile.get('very-long-title.txt')!;

    // Act
    const href = attr(children(views.atom, 'link')[0], 'href')!;
    const slug = /\/articles\/(.*)\.html$/.exec(href)![1]!;

    // Assess
    expect(text(views.rss.title)).toBe(LONG_TITLE);
    expect(slug.startsWith('2026-01-13-word1-word2-')).toBe(true);
    expect(slug.length - '2026-01-13-'.length).toBeLessThanOrEqual(80);
    expect(slug).not.toMatch(/-$/);
  });
});
