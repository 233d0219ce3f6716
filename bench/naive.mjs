// The baseline for `npm run bench`: what a hand-rolled feed script would be. Reads every seed
// file, parses it simply, hands every article to `feed` and writes the three feeds of the newest
// 50. No validation, no pages, no incremental state: it does the whole job from scratch each run.
//
//   node bench/naive.mjs SEEDS_DIR OUT_DIR
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Feed } from 'feed';

const [seedsDir, outDir] = process.argv.slice(2);
if (!seedsDir || !outDir) {
  console.error('usage: node bench/naive.mjs SEEDS_DIR OUT_DIR');
  process.exit(2);
}
const escapeHtml = (text) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const site = 'https://feeds.example.org/';

const articles = [];
for (const name of readdirSync(seedsDir)) {
  // Line 1 is `date YYYY-MM-DD Title`; a BOM or stray leading whitespace is common in hand-typed files.
  const [header, ...rest] = readFileSync(join(seedsDir, name), 'utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
    .split(/\r?\n/);
  const match = /^date\s+(\d{4}-\d{2}-\d{2})\s+(.+)$/.exec(header.trim());
  if (!match) continue;
  // Line breaks inside a paragraph are left as they are: HTML reads them as spaces. (Collapsing
  // them with .replace(/\s+/g, ' ') would make V8 keep each result as a tree of small pieces and
  // quadruple this script's memory at 10,000 articles: a baseline that slow would flatter us.)
  const paragraphs = rest
    .join('\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  articles.push({ slug: name.replace(/\.txt$/, ''), date: new Date(`${match[1]}T00:00:00Z`), title: match[2], paragraphs });
}
articles.sort((a, b) => b.date - a.date);

const feed = new Feed({
  title: 'Dispatches',
  description: 'Short news reports on diplomacy, cities and the people who rebuild them.',
  id: site,
  link: site,
  language: 'en',
  copyright: 'Articles © their authors',
  updated: articles[0]?.date,
  feedLinks: { rss: `${site}rss.xml`, atom: `${site}atom.xml`, json: `${site}feed.json` },
  author: { name: 'Dispatches Desk', email: 'desk@example.org' },
});
for (const a of articles) {
  const link = `${site}articles/${a.slug}.html`;
  const content = a.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  feed.addItem({ title: a.title, id: link, link, date: a.date, description: escapeHtml(a.paragraphs[0] ?? ''), content });
}
// `feed` renders every item it holds; a feed carries only the newest 50.
feed.items = feed.items.slice(0, 50);

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'rss.xml'), feed.rss2());
writeFileSync(join(outDir, 'atom.xml'), feed.atom1());
writeFileSync(join(outDir, 'feed.json'), feed.json1());
