/**
 * What readers get from the embedded S3. It serves the feeds to browsers and feed readers on the
 * same port the publisher writes through, and the publisher signs every request it sends while a
 * reader never does: an unsigned request is a reader's, and gets what CloudFront gives one in AWS
 * rather than all that s3rver would do for anyone.
 *
 * - Reading only (GET and HEAD). s3rver takes unsigned writes, so any web page open in the
 *   browser could otherwise post a form over index.html or delete a feed.
 * - The bucket's root is its index.html, as CloudFront's DefaultRootObject makes it (s3rver
 *   would list every key, the manifest's included); a missing object, or one under the
 *   publisher's own `_publish/`, is the site's 404.html with status 404.
 * - No query string reaches s3rver: readers add tracking parameters, and S3's own (`?acl`,
 *   `?response-content-type=`) are not for them.
 * - Conditional and range requests as RFC 9110 has them, answered here from the object s3rver
 *   sends, in the order of its section 13.2.2: If-Match (or If-Unmodified-Since) → 412, then
 *   If-None-Match compared weakly with each ETag of its list (or If-Modified-Since) → 304, then
 *   one byte range, a suffix range (`bytes=-500`) included, → 206 or 416. s3rver compares one
 *   strong ETag and lets If-Modified-Since decide too (a feed rewritten within the second went
 *   unseen), ignores If-Match, and reads `bytes=-500` as the first 501 bytes.
 *
 * A bucket name that is not one S3 allows (an encoded `/` or `..` in it) and a key with a `.` or
 * `..` segment are refused to everyone: s3rver joins both into a file path, and either could
 * reach outside the site, or outside its folder.
 */
import { PUBLISH_STATE_PREFIX, SITE_FILES } from '../site-files.js';

/** The part of a Koa context this middleware reads and writes. */
export interface ReaderContext {
  method: string;
  path: string;
  querystring: string;
  status: number;
  body: unknown;
  type: string;
  get(header: string): string;
  set(header: string, value: string): void;
  remove(header: string): void;
  readonly request: { readonly headers: Record<string, string | string[] | undefined> };
  readonly response: { get(header: string): string };
  readonly store: { existsObject(bucket: string, key: string): Promise<boolean> };
}

export type Middleware = (ctx: ReaderContext, next: () => Promise<void>) => Promise<void>;

/**
 * The middleware, for every bucket of the server: `npm start` has one, the site's; the tests
 * make others beside it.
 */
export function readerRequests(): Middleware {
  return async (ctx, next) => {
    const isSigned = signed(ctx);
    // A reader's path is resolved as a browser resolves one (`articles/../rss.xml`); what is left
    // of `..` after that was percent-encoded to get past it.
    // Appended, not resolved against a base: a path starting with `//` would name a host.
    if (!isSigned) ctx.path = new URL(`http://reader.invalid${ctx.path.startsWith('/') ? '' : '/'}${ctx.path}`).pathname;
    const target = objectOf(ctx.path);
    if (target !== undefined && !BUCKET_NAME.test(target.bucket)) {
      return refuse(ctx, 400, 'InvalidBucketName', 'the bucket name is not one S3 allows');
    }
    if (target?.key.split('/').some((segment) => segment === '..' || segment === '.')) {
      return refuse(ctx, 400, 'InvalidObjectName', 'an object key may not have a "." or ".." segment');
    }
    if (isSigned) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      return refuse(ctx, 403, 'AccessDenied', 'the local server takes writes only from the publisher');
    }
    ctx.querystring = '';
    // The server's root lists its buckets: nothing of a site.
    if (target === undefined) return refuse(ctx, 404, 'NoSuchKey', 'a site is under its bucket');
    const { bucket, key } = target;
    // The site's URL typed without its final slash: answered with the index, its relative links
    // would resolve against the server's root and miss the bucket, so the reader is sent on.
    if (key === '' && !ctx.path.endsWith('/')) {
      ctx.status = 301;
      ctx.set('Location', `${ctx.path}/`);
      ctx.body = '';
      return;
    }
    const wanted = key === '' ? SITE_FILES.index : key;
    // An empty segment (`/feeds//rss.xml`) names no key the site has: s3rver's file path would
    // collapse it and find one.
    const missing = wanted.startsWith(PUBLISH_STATE_PREFIX) || wanted.split('/').includes('') || !(await exists(ctx, bucket, wanted));
    ctx.path = `/${encodeURIComponent(bucket)}/${encodeKey(missing ? SITE_FILES.notFound : wanted)}`;
    // Answered here, from the whole object s3rver sends: its own 304 leaves the object's file open
    // (one descriptor per poll of a feed reader), and it compares too little. A missing page is
    // answered in full with 404: conditions and ranges are for what exists.
    const asked = Object.fromEntries(CONDITIONS.map((header) => [header, missing ? '' : ctx.get(header)])) as Conditions;
    for (const header of CONDITIONS) delete ctx.request.headers[header];
    await next();
    if (missing && ctx.status === 200) ctx.status = 404;
    else if (ctx.status === 200) await answerConditions(ctx, asked);
  };
}

/** S3's rule for a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, no `..`. */
const BUCKET_NAME = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const CONDITIONS = ['if-match', 'if-unmodified-since', 'if-none-match', 'if-modified-since', 'range', 'if-range'] as const;
type Conditions = Record<(typeof CONDITIONS)[number], string>;

/** RFC 9110 13.2.2, on a 200 s3rver gave: 412, 304, 206 or 416, or the 200 as it is. */
async function answerConditions(ctx: ReaderContext, asked: Conditions): Promise<void> {
  const etag = ctx.response.get('etag');
  const modified = Date.parse(ctx.response.get('last-modified'));
  const failed =
    asked['if-match'] !== ''
      ? !matchesStrongly(asked['if-match'], etag)
      : asked['if-unmodified-since'] !== '' && modifiedAfter(modified, asked['if-unmodified-since']);
  if (failed) {
    await drain(ctx.body);
    return refuse(ctx, 412, 'PreconditionFailed', 'at least one of the preconditions you specified did not hold');
  }
  if (notModified(asked['if-none-match'], asked['if-modified-since'], ctx.response)) {
    // The body's stream is closed by Koa once the response is sent, as for any stream body.
    ctx.status = 304;
    ctx.body = null;
    return;
  }
  // A range is for GET only, and an If-Range that does not hold asks for the whole object.
  if (ctx.method !== 'GET' || asked.range === '' || !rangeHolds(asked['if-range'], etag, modified)) return;
  const body = await bytesOf(ctx.body);
  const range = byteRange(asked.range, body.length);
  if (range === 'ignored') {
    ctx.body = body;
    return;
  }
  if (range === 'unsatisfiable') {
    refuse(ctx, 416, 'InvalidRange', 'the requested range is not satisfiable');
    ctx.set('Content-Range', `bytes */${body.length}`);
    return;
  }
  const type = ctx.response.get('content-type');
  ctx.status = 206;
  ctx.body = body.subarray(range.start, range.end + 1);
  ctx.type = type;
  ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${body.length}`);
}

/**
 * One range of a `bytes=` header (RFC 9110 14.1.2): `a-b`, `a-` or the suffix `-n`. Several
 * ranges, or a header that does not parse, are ignored as S3 ignores them: the whole object.
 */
function byteRange(header: string, size: number): { start: number; end: number } | 'ignored' | 'unsatisfiable' {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'ignored';
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  if (match[2] !== '' && Number(match[2]) < start) return 'ignored';
  return start >= size ? 'unsatisfiable' : { start, end: Math.min(match[2] === '' ? size - 1 : Number(match[2]), size - 1) };
}

/** If-Range (RFC 9110 13.1.5): absent, or the current strong ETag, or exactly the Last-Modified date. */
function rangeHolds(ifRange: string, etag: string, modified: number): boolean {
  if (ifRange === '') return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) return !ifRange.startsWith('W/') && ifRange === etag;
  return httpDate(ifRange) === modified;
}

/**
 * An HTTP-date (RFC 9110 5.6.7) in milliseconds, or NaN: the IMF-fixdate, or one of the two
 * obsolete forms a recipient must still read. Anything else (`3000`, an ISO date) is no date, and
 * a condition made of it is ignored, where Date.parse would read a year into it.
 */
function httpDate(value: string): number {
  const text = value.trim();
  // asctime's form names no zone, and is in GMT as the others are (Date.parse would take the machine's).
  if (ASCTIME.test(text)) return Date.parse(`${text} GMT`);
  return HTTP_DATE.some((form) => form.test(text)) ? Date.parse(text) : Number.NaN;
}

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const HTTP_DATE = [
  new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$`),
  new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT$`),
];
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4}$`);

function modifiedAfter(modified: number, since: string): boolean {
  const time = httpDate(since);
  return !Number.isNaN(time) && !Number.isNaN(modified) && modified > time;
}

/** RFC 9110 13.1.1: `*`, or any entity tag of the list equal to the current one, neither weak. */
function matchesStrongly(header: string, etag: string): boolean {
  if (etag === '') return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim() === etag && !etag.startsWith('W/'));
}

async function bytesOf(body: unknown): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The object's stream read to its end and so closed, for an answer that sends none of it. */
async function drain(body: unknown): Promise<void> {
  if (body !== null && typeof body === 'object' && Symbol.asyncIterator in body) await bytesOf(body);
}

/** The bucket and object key of a path-style URL (the key '' for the bucket's root), or undefined for the server's root. */
function objectOf(path: string): { bucket: string; key: string } | undefined {
  const match = /^\/([^/]+)(?:\/(.*))?$/.exec(path);
  if (!match) return undefined;
  try {
    return { bucket: decodeURIComponent(match[1]!), key: decodeURIComponent(match[2] ?? '') };
  } catch {
    return undefined;
  }
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/**
 * Signed as the publisher's SDK signs: with an Authorization header, which a web page cannot
 * make a browser send to another origin without a CORS preflight that s3rver refuses. Not a
 * presigned URL: s3rver does not check a Signature V4 (any well-formed one with its fixed key
 * passes), so a form posted to a URL carrying made-up query parameters would count as signed.
 */
function signed(ctx: ReaderContext): boolean {
  return ctx.get('authorization') !== '';
}

/** Whether the object is there; a key no file can be named after (too long for the file system) is not. */
async function exists(ctx: ReaderContext, bucket: string, key: string): Promise<boolean> {
  try {
    return await ctx.store.existsObject(bucket, key);
  } catch {
    return false;
  }
}

/**
 * RFC 9110 13.1.2 and 13.1.3: If-None-Match decides when there is one; otherwise
 * If-Modified-Since, when it is a date, against Last-Modified (both to the second).
 */
function notModified(ifNoneMatch: string, ifModifiedSince: string, response: { get(header: string): string }): boolean {
  if (ifNoneMatch !== '') return matchesWeakly(ifNoneMatch, response.get('etag'));
  const since = httpDate(ifModifiedSince);
  const modified = Date.parse(response.get('last-modified'));
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

/** RFC 9110 13.1.2: `*`, or any entity tag of the list equal to the current one, weak or not. */
function matchesWeakly(header: string, etag: string): boolean {
  if (etag === '') return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

function refuse(ctx: ReaderContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
