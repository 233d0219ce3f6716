/**
 * RFC 5005 feed history: the links that chain a feed to its archives (`prev-archive`,
 * `next-archive`, `current`) and the `fh:archive` marker, added to rendered documents. JSON Feed
 * has no such vocabulary; its `next_url` (the next, older page) makes the same chain.
 */
import { escapeHtmlAttribute } from '../text/html.js';
import type { FeedDocuments } from './render.js';

export const HISTORY_NAMESPACE = 'http://purl.org/syndication/history/1.0';

/** One URL per format. */
export interface FormatUrls {
  readonly rss: string;
  readonly atom: string;
  readonly json: string;
}

export interface HistoryLinks {
  /** The next older document: `prev-archive` in XML, `next_url` in JSON Feed. */
  readonly older?: FormatUrls;
  /** The next newer archive (archives only). */
  readonly newer?: FormatUrls;
  /** Set on an archive document: the subscription feed it belongs to. */
  readonly current?: FormatUrls;
}

/** The documents with their history links; unchanged when there are none. */
export function withHistory(documents: FeedDocuments, links: HistoryLinks): FeedDocuments {
  const archive = links.current !== undefined;
  if (!archive && links.older === undefined) return documents;
  return {
    rss: addToXml(documents.rss, /<rss [^>]*>/, /\n(\s*)<atom:link [^>]*rel="self"[^>]*\/>/, archive, (indent) =>
      [
        links.current && `${indent}<atom:link href="${escapeHtmlAttribute(links.current.rss)}" rel="current" type="application/rss+xml"/>`,
        links.older && `${indent}<atom:link href="${escapeHtmlAttribute(links.older.rss)}" rel="prev-archive" type="application/rss+xml"/>`,
        links.newer && `${indent}<atom:link href="${escapeHtmlAttribute(links.newer.rss)}" rel="next-archive" type="application/rss+xml"/>`,
      ].filter(Boolean),
    ),
    atom: addToXml(documents.atom, /<feed [^>]*>/, /\n(\s*)<link rel="self"[^>]*\/>/, archive, (indent) =>
      [
        links.current && `${indent}<link rel="current" href="${escapeHtmlAttribute(links.current.atom)}"/>`,
        links.older && `${indent}<link rel="prev-archive" href="${escapeHtmlAttribute(links.older.atom)}"/>`,
        links.newer && `${indent}<link rel="next-archive" href="${escapeHtmlAttribute(links.newer.atom)}"/>`,
      ].filter(Boolean),
    ),
    json: links.older ? addNextUrl(documents.json, links.older.json) : documents.json,
  };
}

/**
 * Declares the history namespace on the root element when the document is an archive, and puts
 * the links (and `<fh:archive/>`) right after the self link: in Atom, feed metadata must come
 * before the entries, and in RSS that is where the self link already is.
 */
function addToXml(
  xml: string,
  root: RegExp,
  self: RegExp,
  archive: boolean,
  lines: (indent: string) => (string | undefined | false)[],
): string {
  const match = self.exec(xml);
  if (!match) throw new Error('the rendered feed has no self link to put history links beside');
  const indent = match[1]!;
  const added = [...lines(indent), ...(archive ? [`${indent}<fh:archive/>`] : [])].map((line) => `\n${line}`).join('');
  const at = match.index + match[0].length;
  const linked = xml.slice(0, at) + added + xml.slice(at);
  if (!archive) return linked;
  return linked.replace(root, (tag) => `${tag.slice(0, -1)} xmlns:fh="${HISTORY_NAMESPACE}">`);
}

/**
 * `next_url` right after `feed_url`, keeping every other key where it was (same input, same
 * bytes). The document is renderJsonFeed's, indented by two spaces, so its top-level keys are
 * the only lines that start with two spaces and a quote, and `feed_url` is one line: the key is
 * inserted as text rather than by parsing and writing the whole archive page again.
 */
function addNextUrl(json: string, nextUrl: string): string {
  const at = json.indexOf('\n  "feed_url": ');
  const end = at < 0 ? -1 : json.indexOf('\n', at + 1);
  if (end < 0) throw new Error('the rendered JSON Feed has no feed_url to put next_url after');
  return `${json.slice(0, end)}\n  "next_url": ${JSON.stringify(nextUrl)},${json.slice(end)}`;
}
