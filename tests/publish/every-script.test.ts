/**
 * Articles in every script, end to end. A site whose seeds are in Arabic, Hebrew,
 * Persian, Chinese, Japanese, Korean, Thai, Hindi, Greek, Cyrillic and Vietnamese (some typed or
 * named in NFD), with emoji, mixed-direction titles, titles that fold to an empty, a short or the
 * same slug, published by `cli build` into a temp folder (and by publish() into memory where a run
 * has to be repeated), and read back as a reader would: every URL in every feed and the index
 * resolves to a page, slugs are unique, NFC and never cut inside a grapheme, every document says
 * its language and right-to-left direction, the text comes out as typed (NFC, marks kept), and
 * independent parsers (fast-xml-parser, libxml2's xmllint) read back the same titles.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { fakeIo } from '../helpers/cli-io.js';
import { configFileJson } from '../helpers/factory.js';
import { atomFeed, attr, child, children, htmlToText, rssChannel, text as xmlText, type JsonFeed } from '../helpers/feeds.js';
import { memorySite } from './support-site.js';
import { seed, testFeedConfig, text } from './support.js';

const NOW = new Date('2026-03-01T06:00:00.000Z');
const LATER = new Date('2026-03-02T06:00:00.000Z');
const SITE_URL = configFileJson().siteUrl as string;
const PREFIX = configFileJson().idPrefix as string;
const RTL = new Set(['ar', 'he', 'fa']);

const graphemes = (value: string) => [...new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(value)].map((s) => s.segment);
const marks = (value: string) => [...value.matchAll(/\p{M}/gu)].length;

interface Case {
  readonly file: string;
  readonly day: string;
  /** The title as typed in the seed (maybe NFD). */
  readonly title: string;
  readonly lang?: string;
  readonly lede: string;
}

/** The corpus: one article per script, NFC and NFD names and text, and titles whose slugs collide or vanish. */
const CASES: readonly Case[] = [
  { file: 'مرحبا.txt', day: '2026-02-01', title: 'مرحبا بالعالم: الجزء 2!', lang: 'ar', lede: 'نصّ الخبر الأوّل، مع علامات التشكيل.' },
  { file: 'שלום.txt', day: '2026-02-02', title: 'שָׁלוֹם עוֹלָם (חלק 1)', lang: 'he', lede: 'טֶקְסְט רִאשׁוֹן.' },
  { file: 'خبر-فارسی.txt', day: '2026-02-03', title: 'می‌خواهم بروم؟ بله', lang: 'fa', lede: 'متن اول.' },
  { file: '北京.txt', day: '2026-02-04', title: '北京新闻', lang: 'zh-Hans', lede: '第一段。' },
  { file: '東京.txt', day: '2026-02-05', title: '東京の天気、晴れ', lang: 'ja', lede: '今日は晴れです。' },
  {
    file: '서울.txt'.normalize('NFD'),
    day: '2026-02-06',
    title: '서울 날씨'.normalize('NFD'),
    lang: 'ko',
    lede: '첫 문단.'.normalize('NFD'),
  },
  {
    file: 'ข่าว.txt',
    day: '2026-02-07',
    title: 'ข่าวไทย วันนี้',
    lang: 'th',
    lede: 'ประชาชนรวมตัวกันที่จัตุรัสกลางเมืองเพื่อเฉลิมฉลองการเปิดสะพานแห่งใหม่ข้ามแม่น้ำเจ้าพระยาในวันนี้อย่างคึกคักมาก',
  },
  { file: 'हिन्दी.txt', day: '2026-02-08', title: 'हिन्दी समाचार', lang: 'hi', lede: 'पहला अनुच्छेद।' },
  { file: 'ελληνικά.txt'.normalize('NFD'), day: '2026-02-09', title: 'Ελληνικά νέα', lang: 'el', lede: 'Πρώτη παράγραφος.' },
  { file: 'київ.txt', day: '2026-02-10', title: 'Міст через Либідь', lang: 'uk', lede: 'Новий міст відкрили в неділю.' },
  {
    file: 'tieng-viet.txt',
    day: '2026-02-11',
    title: 'Tiếng Việt hôm nay'.normalize('NFD'),
    lang: 'vi',
    lede: 'Đoạn đầu tiên.'.normalize('NFD'),
  },
  { file: 'emoji.txt', day: '2026-02-12', title: '🎉👍🏽🇺🇦', lede: 'Only emoji in the title.' },
  { file: 'punct.txt', day: '2026-02-12', title: '«…»', lede: 'Only punctuation in the title.' },
  { file: 'unicode-a.txt', day: '2026-02-13', title: 'Ünïcödé', lede: 'Accented.' },
  { file: 'unicode-b.txt', day: '2026-02-13', title: 'Unicode!', lede: 'Plain.' },
  { file: 'mixed.txt', day: '2026-02-14', title: 'Interview: مرحبا (part 2)', lede: 'A title of two directions.' },
];

function caseSeed(c: Case): string {
  return seed(c.day, c.title, ...(c.lang ? [`lang ${c.lang}`] : []), c.lede);
}

/** The item id the product documents: the NFC file name without `.txt`, percent-encoded. */
const idOf = (fileName: string) => `${PREFIX}articles/${encodeURIComponent(fileName.normalize('NFC').replace(/\.txt$/i, ''))}`;

const temps: string[] = [];
afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

interface Built {
  readonly out: string;
  read(key: string): Promise<string>;
  pages(): Promise<string[]>;
}

/** `cli build` of these seeds into a fresh temp folder, with the clock fixed. */
async function build(files: Readonly<Record<string, string>>, config: Record<string, unknown> = {}): Promise<Built> {
  const dir = await mkdtemp(join(tmpdir(), 'every-script-'));
  temps.push(dir);
  await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson(config)));
  await mkdir(join(dir, 'seeds'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, 'seeds', name), content);
  const io = fakeIo(dir, { now: NOW.toISOString() });
  const code = await runCli(['build', '--seeds', 'seeds', '--out', 'out', '--now', NOW.toISOString()], io);
  expect(io.err.join('\n')).toBe('');
  expect(code).toBe(0);
  const out = join(dir, 'out');
  return {
    out,
    read: (key) => readFile(join(out, key), 'utf8'),
    pages: async () => (await readdir(join(out, 'articles'))).map((name) => `articles/${name}`).sort(),
  };
}

const HAS_XMLLINT = existsSync('/usr/bin/xmllint') || existsSync('/usr/local/bin/xmllint');
function xpath(file: string, expression: string, html = false): string {
  return execFileSync('xmllint', [...(html ? ['--html'] : []), '--xpath', expression, file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).replace(/\n$/, ''); // xmllint ends a string result with a newline of its own
}

const files = Object.fromEntries(CASES.map((c) => [c.file, caseSeed(c)]));
let corpus: Promise<Built> | undefined;
const built = () => {
  corpus ??= build(files);
  return corpus;
};

interface Item {
  readonly id: string;
  readonly url: string;
  readonly title: string;
}

async function feedItems(site: Built): Promise<{ rss: Item[]; atom: Item[]; json: Item[]; index: { url: string; title: string }[] }> {
  const rss = children(rssChannel(await site.read('rss.xml')), 'item').map((item) => ({
    id: xmlText(child(item, 'guid')),
    url: xmlText(child(item, 'link')),
    title: htmlToText(xmlText(child(item, 'title'))),
  }));
  const atom = children(atomFeed(await site.read('atom.xml')), 'entry').map((entry) => ({
    id: xmlText(child(entry, 'id')),
    url: attr(children(entry, 'link')[0], 'href')!,
    title: htmlToText(xmlText(child(entry, 'title'))),
  }));
  const json = (JSON.parse(await site.read('feed.json')) as JsonFeed).items.map((item) => ({
    id: item.id,
    url: item.url!,
    title: item.title!,
  }));
  const index = [...(await site.read('index.html')).matchAll(/<h2><a href="([^"]+)">([^<]*)<\/a><\/h2>/g)].map((m) => ({
    url: SITE_URL + m[1]!,
    title: htmlToText(m[2]!),
  }));
  return { rss, atom, json, index };
}

describe('a site written in every script, built with cli build', () => {
  it('links every article from RSS, Atom, JSON Feed and the index to one page, by an ASCII URL that decodes to the page’s NFC file name', async () => {
    // Prepare
    const site = await built();

    // Act
    const { rss, atom, json, index } = await feedItems(site);
    const pages = await site.pages();

    // Assess: one page per article, every format linking each to the same page.
    expect(pages).toHaveLength(CASES.length);
    expect(new Set(pages).size).toBe(pages.length);
    for (const list of [atom, json]) expect(list).toEqual(rss);
    expect(index.map((entry) => entry.url).sort()).toEqual(rss.map((item) => item.url).sort());
    for (const { url } of rss) {
      // A valid URI: nothing outside printable ASCII, nothing a URL parser would change.
      expect(url).toMatch(/^[\x21-\x7e]+$/);
      expect(new URL(url).href).toBe(url);
      const key = decodeURIComponent(url.slice(SITE_URL.length));
      expect(key).toBe(key.normalize('NFC'));
      expect(pages).toContain(key);
    }
    // The page’s canonical link is its URL in the feeds.
    for (const item of rss) {
      const page = await site.read(decodeURIComponent(item.url.slice(SITE_URL.length)));
      expect(page).toContain(`<link rel="canonical" href="${item.url}">`);
    }
  });

  it('gives each item the id of its NFC file name, whether the file was named in NFC or NFD, the same in every format', async () => {
    // Prepare
    const site = await built();

    // Act
    const { rss, atom, json } = await feedItems(site);

    // Assess
    const expected = CASES.map((c) => idOf(c.file)).sort();
    for (const list of [rss, atom, json]) expect(list.map((item) => item.id).sort()).toEqual(expected);
    for (const id of expected) expect(id).toMatch(/^[\x21-\x7e]+$/);
  });

  it('gives titles that fold to no slug, or to one another’s, pages of their own: the date, then -2', async () => {
    // Prepare
    const site = await built();

    // Act
    const { rss } = await feedItems(site);
    const slugOf = (title: string) => {
      const item = rss.find((entry) => entry.title === title.normalize('NFC'));
      return decodeURIComponent(item!.url.slice(`${SITE_URL}articles/`.length, -'.html'.length));
    };

    // Assess: equal slugs numbered in file-name order (emoji.txt < punct.txt, unicode-a < unicode-b).
    expect(slugOf('🎉👍🏽🇺🇦')).toBe('2026-02-12');
    expect(slugOf('«…»')).toBe('2026-02-12-2');
    expect(slugOf('Ünïcödé')).toBe('2026-02-13-unicode');
    expect(slugOf('Unicode!')).toBe('2026-02-13-unicode-2');
    expect(slugOf('서울 날씨')).toBe('2026-02-06-서울-날씨');
    expect(slugOf('Tiếng Việt hôm nay')).toBe('2026-02-11-tieng-viet-hom-nay');
  });

  it('marks each page, index entry and feed item with its language, and right-to-left ones with dir="rtl"', async () => {
    // Prepare
    const site = await built();
    const { rss } = await feedItems(site);
    const index = await site.read('index.html');
    const atom = await site.read('atom.xml');
    const rssXml = await site.read('rss.xml');
    const json = JSON.parse(await site.read('feed.json')) as JsonFeed;

    // Act / Assess: per article.
    expect(rssXml).toContain('<language>en</language>');
    expect(atom).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">');
    expect(json.language).toBe('en');
    for (const c of CASES) {
      const item = rss.find((entry) => entry.id === idOf(c.file))!;
      const href = item.url.slice(SITE_URL.length);
      const page = await site.read(decodeURIComponent(href));
      const lang = c.lang ?? 'en';
      const dir = RTL.has(lang) ? ' dir="rtl"' : '';
      expect(page, c.file).toContain(`<html lang="${lang}"${dir}>`);
      const li = c.lang === undefined ? '<li>' : `<li lang="${c.lang}"${dir}>`;
      expect(index, c.file).toContain(`${li}<article>\n<h2><a href="${href}">`);
      expect(json.items.find((entry) => entry.id === item.id)!.language, c.file).toBe(c.lang);
      const entry = new RegExp(
        `<entry${c.lang ? ` xml:lang="${c.lang}"` : ''}>\\s*<title[^>]*>[^\\n]*\\n\\s*<id>${item.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</id>`,
      );
      expect(atom, c.file).toMatch(entry);
    }
    for (const item of children(rssChannel(rssXml), 'item')) {
      const c = CASES.find((entry) => idOf(entry.file) === xmlText(child(item, 'guid')))!;
      expect(item['dc:language'] === undefined ? undefined : xmlText(item['dc:language']), c.file).toBe(c.lang);
    }
  });

  it('keeps text typed in NFD as its NFC form, with every combining mark, in the page, the index and every feed', async () => {
    // Prepare
    const site = await built();
    const { rss, atom, json, index } = await feedItems(site);
    const jsonFeed = JSON.parse(await site.read('feed.json')) as JsonFeed;

    // Act / Assess
    for (const c of CASES) {
      const title = c.title.normalize('NFC');
      for (const list of [rss, atom, json]) expect(list.find((item) => item.id === idOf(c.file))?.title, c.file).toBe(title);
      expect(index.map((entry) => entry.title)).toContain(title);
      const item = jsonFeed.items.find((entry) => entry.id === idOf(c.file))!;
      expect(item.summary, c.file).toBe(c.lede.normalize('NFC'));
      const page = await site.read(decodeURIComponent(item.url!.slice(SITE_URL.length)));
      expect(page, c.file).toContain(`<h1>${title}</h1>`);
      expect(page, c.file).toContain(`<p>${c.lede.normalize('NFC')}</p>`);
      // Every combining mark typed is still there (NFC composes some into their letters, drops none).
      const h1 = /<h1>([^<]*)<\/h1>/.exec(page)![1]!;
      expect(marks(h1.normalize('NFD')), c.file).toBe(marks(c.title.normalize('NFD')));
    }
    // Nothing anywhere in a form other than NFC (no mojibake either: every file is valid UTF-8 NFC).
    for (const key of ['index.html', 'rss.xml', 'atom.xml', 'feed.json', ...(await site.pages())]) {
      const body = await readFile(join(site.out, key));
      const decoded = new TextDecoder('utf-8', { fatal: true }).decode(body);
      expect(decoded.normalize('NFC') === decoded, key).toBe(true);
    }
  });

  it.runIf(HAS_XMLLINT)('reads the same titles back with libxml2 from RSS, Atom, every page and the index', async () => {
    // Prepare
    const site = await built();
    const expected = CASES.map((c) => c.title.normalize('NFC')).sort();

    // Act
    const count = (file: string, element: string) => Number(xpath(join(site.out, file), `count(//*[local-name()="${element}"])`));
    const rssTitles = Array.from({ length: count('rss.xml', 'item') }, (_, i) =>
      xpath(join(site.out, 'rss.xml'), `string((//*[local-name()="item"])[${i + 1}]/*[local-name()="title"])`),
    );
    const atomTitles = Array.from({ length: count('atom.xml', 'entry') }, (_, i) =>
      htmlToText(xpath(join(site.out, 'atom.xml'), `string((//*[local-name()="entry"])[${i + 1}]/*[local-name()="title"])`)),
    );
    const pageTitles = (await site.pages()).map((key) => xpath(join(site.out, key), 'string(//h1)', true));
    const indexTitles = Array.from({ length: CASES.length }, (_, i) =>
      xpath(join(site.out, 'index.html'), `string((//ol/li)[${i + 1}]//h2)`, true),
    );

    // Assess
    expect(rssTitles.sort()).toEqual(expected);
    expect(atomTitles.sort()).toEqual(expected);
    expect(pageTitles.sort()).toEqual(expected);
    expect(indexTitles.sort()).toEqual(expected);
    // libxml2's HTML parser sees the page language and direction too.
    const arabic = (await site.pages()).find((key) => key.includes('مرحبا-بالعالم'))!;
    expect(xpath(join(site.out, arabic), 'string(/html/@lang)', true)).toBe('ar');
    expect(xpath(join(site.out, arabic), 'string(/html/@dir)', true)).toBe('rtl');
  });

  it('marks the languages of the articles the feeds leave out in the archives as in the feeds', async () => {
    // Prepare: only 3 items in the feeds, the other articles in RFC 5005 archives of 3.
    const site = await build(files, { itemLimit: 3 });

    // Act
    const archived = (await readdir(join(site.out, 'archive'))).filter((name) => name.startsWith('feed-'));
    const items: { id: string; language?: string }[] = [];
    for (const name of archived) items.push(...(JSON.parse(await site.read(`archive/${name}`)) as JsonFeed).items);
    const atoms = await Promise.all(
      archived.map((name) => site.read(`archive/${name.replace('feed-', 'atom-').replace('.json', '.xml')}`)),
    );

    // Assess
    expect(items.length).toBe(CASES.length - 3);
    for (const item of items) {
      const c = CASES.find((entry) => idOf(entry.file) === item.id)!;
      expect(item.language, c.file).toBe(c.lang);
      if (c.lang)
        expect(atoms.join('\n'), c.file).toMatch(
          new RegExp(
            `<entry xml:lang="${c.lang}">\\s*<title[^>]*>[^\\n]*\\n\\s*<id>${item.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</id>`,
          ),
        );
    }
  });
});

describe('permalinks of articles in other scripts across runs', () => {
  it('keeps the page of an article whose file name is re-saved in the other Unicode form (same item id)', async () => {
    // Prepare: a Cyrillic file name saved in NFD (as macOS tools write it), published.
    const nfd = 'Кии\u0306в-новини.txt';
    const nfc = nfd.normalize('NFC');
    expect(nfc).not.toBe(nfd);
    const body = seed('2026-02-06', 'Міст через Либідь', 'lang uk', 'Новий міст відкрили в неділю.');
    const others = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e'].map((name, i) => [`${name}.txt`, seed(`2026-02-0${i + 1}`, `Story ${name}`, 'Text.')]),
    );
    const site = memorySite({ ...others, [nfd]: body }, { now: NOW });
    await site.run();
    const feedBefore = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as JsonFeed;
    const before = feedBefore.items.find((item) => item.id === idOf(nfd))!;

    // Act: the same file, now named in NFC (a copy through git or rsync on Linux).
    await site.deleteSeed(nfd);
    await site.writeSeed(nfc, body);
    site.now = LATER;
    await site.run();

    // Assess: one item id, so one article: its link stays and its page is still there.
    const feedAfter = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as JsonFeed;
    const after = feedAfter.items.find((item) => item.id === idOf(nfc))!;
    expect(idOf(nfc)).toBe(idOf(nfd));
    expect(after.url).toBe(before.url);
    expect(site.site.objects.has(decodeURIComponent(before.url!.slice(SITE_URL.length)))).toBe(true);
  });
});

describe('slugs cut at their length limit', () => {
  /** The title folded as the slug folds it, uncut (scripts without Latin accents or invisible characters). */
  const folded = (title: string) =>
    title
      .normalize('NFC')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
      .replace(/^-+|-+$/g, '');

  it.each([
    ['Thai', 'ประชาชนรวมตัวกันที่จัตุรัสกลางเมืองเพื่อเฉลิมฉลองการเปิดสะพานแห่งใหม่ข้ามแม่น้ำเจ้าพระยา'],
    ['vocalized Arabic', 'اَلْمَجْلِسُ الْبَلَدِيُّ يُقَرِّرُ بِنَاءَ جِسْرٍ جَدِيدٍ فَوْقَ النَّهْرِ الْكَبِيرِ'],
  ])('never splits a %s grapheme (a letter from its marks) where the page name is cut', async (_script, title) => {
    // Prepare
    const site = memorySite({ 'long.txt': seed('2026-02-10', title, 'Text.') }, { now: NOW, config: testFeedConfig() });

    // Act
    await site.run();

    // Assess: the page’s words are whole graphemes of the title’s, as many as were kept.
    const page = [...site.site.objects.keys()].find((key) => key.startsWith('articles/'))!;
    const words = page.slice('articles/2026-02-10-'.length, -'.html'.length);
    expect(words.length).toBeLessThan(folded(title).length);
    const kept = graphemes(words);
    expect(graphemes(folded(title)).slice(0, kept.length)).toEqual(kept);
  });
});

describe('text in scripts written without spaces', () => {
  it('joins a Chinese or Japanese paragraph wrapped over several lines without adding a space between its characters', async () => {
    // Prepare
    const site = memorySite(
      {
        'zh.txt': seed('2026-02-04', '北京新闻', 'lang zh', '今天北京天气晴朗，\n气温适宜。'),
        'ja.txt': seed('2026-02-05', '東京の天気', 'lang ja', '東京では今日、\n桜が咲きました。'),
      },
      { now: NOW },
    );

    // Act
    await site.run();

    // Assess
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as JsonFeed;
    const byTitle = (title: string) => feed.items.find((item) => item.title === title)!;
    expect(byTitle('北京新闻').summary).toBe('今天北京天气晴朗，气温适宜。');
    expect(byTitle('東京の天気').summary).toBe('東京では今日、桜が咲きました。');
    expect(byTitle('東京の天気').content_html).toBe('<p>東京では今日、桜が咲きました。</p>');
  });
});

describe('direction of right-to-left languages and of what a page mixes with them', () => {
  it.each([
    ['azb', 'South Azerbaijani (Iran)', 'آذربایجان خبرلری'],
    ['bal', 'Balochi', 'بلوچی خبر'],
    ['skr', 'Saraiki', 'سرائیکی خبراں'],
  ])('gives an article with `lang %s` (%s, written in Arabic script) a right-to-left page and index entry', async (tag, _name, title) => {
    // Prepare
    const site = memorySite({ 'a.txt': seed('2026-02-10', title, `lang ${tag}`, 'متن.') }, { now: NOW });

    // Act
    await site.run();

    // Assess
    const page = [...site.site.objects.entries()].find(([key]) => key.startsWith('articles/'))![1];
    expect(text(page.body)).toContain(`<html lang="${tag}" dir="rtl">`);
    expect(text(site.site.objects.get('index.html')!.body)).toContain(`<li lang="${tag}" dir="rtl">`);
  });

  it('isolates the site’s left-to-right author name in the meta line of a right-to-left article’s page', async () => {
    // Prepare: an English site whose author name ends in neutral punctuation.
    const config = testFeedConfig({ author: { name: 'News Desk (AP)', email: 'desk@example.org' } });
    const site = memorySite({ 'ar.txt': seed('2026-02-01', 'مرحبا بالعالم', 'lang ar', 'نص الخبر.') }, { now: NOW, config });

    // Act
    await site.run();

    // Assess: the page is right to left, and the author sits in an element of its own direction.
    const page = text([...site.site.objects.entries()].find(([key]) => key.startsWith('articles/'))![1].body);
    expect(page).toContain('<html lang="ar" dir="rtl">');
    const meta = /<p class="meta">(.*)<\/p>/.exec(page)![1]!;
    expect(meta).toContain('News Desk (AP)');
    expect(meta).toMatch(/<(bdi)\b[^>]*>News Desk \(AP\)<\/bdi>|<(\w+)\b[^>]*\bdir="(ltr|auto)"[^>]*>News Desk \(AP\)<\/\2>/);
  });
});
