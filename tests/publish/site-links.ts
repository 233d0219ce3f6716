/**
 * The published site read from the bucket as a reader reads it: where its links lead, what a
 * reader can reach, and the items of its feed and archive documents. What the suites that
 * check for links to missing objects, and for the archive chains, share.
 */
import { XMLParser } from 'fast-xml-parser';
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

/** An item of a feed or archive document, as a reader's parser sees it (published and modified: JSON Feed only). */
export interface DocumentItem {
  readonly id: string;
  readonly url: string;
  readonly title: string;
  readonly content: string;
  readonly published: string;
  readonly modified: string;
}

export type Format = 'rss' | 'atom' | 'json';
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const textOf = (value: unknown): string =>
  typeof value === 'string' ? value : String((value as { '#text'?: unknown } | undefined)?.['#text'] ?? '');
type Link = { '@rel'?: string; '@href': string };

/** A document of one format: its items, and the next older document's URL (prev-archive, next_url). */
export function parseDocument(format: Format, body: string): { items: DocumentItem[]; older?: string } {
  if (format === 'json') {
    const feed = JSON.parse(body) as {
      next_url?: string;
      items: { id: string; url: string; title: string; content_html: string; date_published: string; date_modified: string }[];
    };
    return {
      ...(feed.next_url === undefined ? {} : { older: feed.next_url }),
      items: feed.items.map((item) => ({
        id: item.id,
        url: item.url,
        title: item.title,
        content: item.content_html,
        published: item.date_published,
        modified: item.date_modified,
      })),
    };
  }
  const parsed = xml.parse(body) as { rss?: { channel: Record<string, unknown> }; feed?: Record<string, unknown> };
  const container = format === 'rss' ? parsed.rss!.channel : parsed.feed!;
  const links = asArray((format === 'rss' ? container['atom:link'] : container.link) as Link | Link[] | undefined);
  const older = links.find((link) => link['@rel'] === 'prev-archive')?.['@href'];
  const entries = asArray((format === 'rss' ? container.item : container.entry) as Record<string, unknown> | Record<string, unknown>[]);
  return {
    ...(older === undefined ? {} : { older }),
    items: entries.map((entry) => ({
      id: textOf(format === 'rss' ? entry.guid : entry.id),
      url: format === 'rss' ? textOf(entry.link) : asArray(entry.link as Link | Link[])[0]!['@href'],
      title: textOf(entry.title),
      content: textOf(format === 'rss' ? entry['content:encoded'] : entry.content),
      published: '',
      modified: '',
    })),
  };
}
