/**
 * WebSub publishing: which feed URLs a run announces, and the announcement itself, a
 * `hub.mode=publish` notification to the configured hub for each of them.
 *
 * The WebSub recommendation leaves how a publisher notifies its hub to the hub. What public hubs
 * (Google's, websubhub.com, Superfeedr) accept is the PubSubHubbub form: a POST of
 * `application/x-www-form-urlencoded` `hub.mode=publish&hub.url=<topic>`, answered with a 2xx
 * (204 in the PubSubHubbub 0.4 draft). One topic per request, since not every hub reads a
 * repeated `hub.url`. The topics are the feeds' own URLs, their `rel="self"` links, which is
 * what subscribers subscribe to.
 */
import type { FeedConfig } from '../config.js';
import { describeError } from '../errors.js';
import { SITE_FILES } from '../site-files.js';

/** How long one notification may take, answer included: a hub that hangs must not hold up the run. */
export const PING_TIMEOUT_MS = 5000;

/** What a hub's error answer may add to a warning, at most. */
const REASON_CHARS = 200;

export interface PingResult {
  /** Feed URLs the hub accepted. */
  readonly sent: readonly string[];
  /** Feed URLs it did not, each with why; the next run notifies them again. */
  readonly failed: readonly { readonly url: string; readonly reason: string }[];
}

export interface PingOptions {
  readonly fetch: typeof fetch;
  readonly timeoutMs?: number;
  /** Aborted when the run must stop: notifications still in flight are abandoned (and stay pending). */
  readonly signal?: AbortSignal;
}

/** The public URLs of the feeds a run wrote, in the order rss, atom, json. */
export function changedFeedUrls(writtenKeys: readonly string[], config: Pick<FeedConfig, 'feedUrls'>): string[] {
  const written = new Set(writtenKeys);
  return (['rss', 'atom', 'json'] as const).filter((format) => written.has(SITE_FILES[format])).map((format) => config.feedUrls[format]);
}

/**
 * What this run notifies the hub of: the feeds it changed, and those an earlier run could not
 * notify, as long as they are still among the feeds' URLs (a URL changed since has no readers
 * to tell). Each once, in the order of the feeds.
 */
export function feedsToAnnounce(
  changed: readonly string[],
  pending: readonly string[] | undefined,
  config: Pick<FeedConfig, 'feedUrls'>,
): string[] {
  const due = new Set([...changed, ...(pending ?? [])]);
  return [...new Set([config.feedUrls.rss, config.feedUrls.atom, config.feedUrls.json])].filter((url) => due.has(url));
}

/** Notifies `hub` of each feed URL, all at once; never throws: a failure is a result. */
export async function pingHub(hub: string, feedUrls: readonly string[], options: PingOptions): Promise<PingResult> {
  const outcomes = await Promise.all(feedUrls.map((url) => pingOne(hub, url, options)));
  return {
    sent: feedUrls.filter((_, index) => outcomes[index] === undefined),
    failed: feedUrls.flatMap((url, index) => {
      const reason = outcomes[index];
      return reason === undefined ? [] : [{ url, reason }];
    }),
  };
}

/** Undefined when the hub accepted the notification, otherwise why not. */
async function pingOne(hub: string, url: string, options: PingOptions): Promise<string | undefined> {
  const timeoutMs = options.timeoutMs ?? PING_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const response = await options.fetch(hub, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'feedpress' },
      body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': url }).toString(),
      // A redirected POST may arrive as a GET that any page answers with 200: a redirect is reported instead.
      redirect: 'manual',
      signal,
    });
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel();
      return undefined;
    }
    const location = response.headers.get('location');
    const said = oneLine(await response.text());
    return `the hub answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${
      location ? ` (redirect to ${location}: set the hub to that URL)` : ''
    }${said ? `: ${said}` : ''}`;
  } catch (error) {
    if (timeout.aborted) return `no answer within ${timeoutMs / 1000} s`;
    if (options.signal?.aborted) return 'the run was asked to stop';
    // fetch says only "fetch failed"; the cause says what (connection refused, unknown host).
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
    return `the hub could not be reached: ${describeError(cause)}`;
  }
}

/** A hub's answer as part of a log line: one line, and short. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > REASON_CHARS ? `${flat.slice(0, REASON_CHARS)}…` : flat;
}
