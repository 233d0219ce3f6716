/**
 * Where the published site's links lead, read from the bucket as a reader follows them: what
 * the suites that check for links to missing objects, and for what a reader can reach, share.
 */
import { MANIFEST } from './support-site.js';
import { SITE, text } from './support.js';

type Objects = ReadonlyMap<string, { readonly body: Uint8Array }>;

/** The key a link on the site leads to (`base`: the document it is in), or undefined when it leads off the site. */
export function keyOfUrl(url: string, base: string): string | undefined {
  const resolved = new URL(url.replaceAll('&amp;', '&'), base);
  if (!resolved.href.startsWith(SITE)) return undefined;
  const path = decodeURIComponent(resolved.pathname.slice(new URL(SITE).pathname.length));
  return path === '' || path.endsWith('/') ? `${path}index.html` : path;
}

/** Every key on the site a document links to: absolute URLs anywhere, relative hrefs in HTML. */
export function linksOf(key: string, body: string): Set<string> {
  const found = new Set<string>();
  for (const match of body.matchAll(/https?:\/\/[^"'<>\s]+/g)) {
    const target = keyOfUrl(match[0], SITE + key);
    if (target !== undefined) found.add(target);
  }
  if (key.endsWith('.html')) {
    for (const match of body.matchAll(/href="([^"]+)"/g)) {
      if (/^[a-z][a-z+.-]*:/i.test(match[1]!)) continue;
      const target = keyOfUrl(match[1]!, SITE + key);
      if (target !== undefined) found.add(target);
    }
  }
  return found;
}

const ENTRY_DOCUMENTS = ['index.html', 'rss.xml', 'atom.xml', 'feed.json'];
/** A page, a feed or an archive document: what links lead to, the manifest aside. */
export const isDocument = (key: string) => key !== MANIFEST && /\.(html|xml|json)$/.test(key);

/** The documents a reader reaches from the index and the feeds, following links (pages and the archive chain), with their links. */
export function reachable(objects: Objects): Map<string, Set<string>> {
  const links = new Map<string, Set<string>>();
  const queue = ENTRY_DOCUMENTS.filter((key) => objects.has(key));
  for (let index = 0; index < queue.length; index++) {
    const key = queue[index]!;
    const targets = linksOf(key, text(objects.get(key)!.body));
    links.set(key, targets);
    for (const target of targets) if (isDocument(target) && objects.has(target) && !queue.includes(target)) queue.push(target);
  }
  return links;
}
