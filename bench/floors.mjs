// What the missed targets of `npm run bench` cannot go below on the machine it runs on: each
// subcommand does one part of a run and nothing else, so bench/run.mjs can time it as a whole
// process beside the naive script, in the same run.
//
//   node bench/floors.mjs copy SITE DEST         copy a published folder: creating its files, no rendering
//   node bench/floors.mjs state SEEDS SITE       list both folders with each file's stat and parse the manifest:
//                                                what a run must know before it can tell one added article
//   node bench/floors.mjs listing SEEDS SITE     list both folders with each file's stat, nothing else: what a
//                                                run that parsed no manifest whole would still have to do
//   node bench/floors.mjs feed-archives SITE     render the site's archive documents' items through the bare
//                                                `feed` package, RSS and Atom; prints the rendering's ms
import { cpSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Feed } from 'feed';

const [command, ...args] = process.argv.slice(2);
const usage = 'usage: node bench/floors.mjs copy SITE DEST | state SEEDS SITE | listing SEEDS SITE | feed-archives SITE';

/** Files in both folders, each file's stat taken, as a run lists them. */
function listBoth(seeds, site) {
  let files = 0;
  for (const name of readdirSync(seeds)) files += lstatSync(join(seeds, name)).isFile() ? 1 : 0;
  for (const entry of readdirSync(site, { recursive: true, withFileTypes: true })) {
    files += lstatSync(join(entry.parentPath ?? entry.path, entry.name)).isFile() ? 1 : 0;
  }
  return files;
}

if (command === 'copy' && args.length === 2) {
  cpSync(args[0], args[1], { recursive: true });
} else if (command === 'state' && args.length === 2) {
  const [seeds, site] = args;
  const files = listBoth(seeds, site);
  const manifest = JSON.parse(readFileSync(join(site, '_publish', 'manifest.json'), 'utf8'));
  if (files === 0 || typeof manifest !== 'object') process.exit(1);
} else if (command === 'listing' && args.length === 2) {
  if (listBoth(args[0], args[1]) === 0) process.exit(1);
} else if (command === 'feed-archives' && args.length === 1) {
  // The published JSON archives hold every archived item with its full text: the same items the
  // XML archives carry. Read first, then only the package's own rendering is timed.
  const folder = join(args[0], 'archive');
  const documents = readdirSync(folder)
    .filter((name) => /^feed-\d+\.json$/.test(name))
    .map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')));
  const started = performance.now();
  let bytes = 0;
  for (const document of documents) {
    const feed = new Feed({ title: document.title, id: document.home_page_url, link: document.home_page_url, copyright: '' });
    for (const item of document.items) {
      feed.addItem({
        title: item.title ?? '',
        id: item.id,
        link: item.url,
        date: new Date(item.date_modified),
        published: new Date(item.date_published),
        description: item.summary,
        content: item.content_html,
        author: item.authors,
      });
    }
    bytes += feed.rss2().length + feed.atom1().length;
  }
  console.log(JSON.stringify({ ms: performance.now() - started, documents: documents.length, characters: bytes }));
} else {
  console.error(usage);
  process.exit(2);
}
