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
 * - A conditional GET as RFC 9110 has it: If-None-Match compared weakly with each ETag of its
 *   list decides, and If-Modified-Since counts only without it (s3rver compares one strong ETag
 *   and lets If-Modified-Since decide too, so a feed rewritten within the second went unseen).
 *
 * A key with a `..` segment is refused to everyone: s3rver's store would put it outside its folder.
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
    if (!isSigned) ctx.path = new URL(ctx.path, 'http://reader.invalid').pathname;
    const target = objectOf(ctx.path);
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
    const missing = wanted.startsWith(PUBLISH_STATE_PREFIX) || !(await exists(ctx, bucket, wanted));
    ctx.path = `/${encodeURIComponent(bucket)}/${encodeKey(missing ? SITE_FILES.notFound : wanted)}`;
    // A missing page is answered in full with 404: conditions and ranges are for what exists.
    if (missing)
      for (const header of ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'range'])
        delete ctx.request.headers[header];
    // Both conditions are answered here, from the object s3rver sends: its own 304 leaves the
    // object's file open (one descriptor per poll of a feed reader), and compares too little.
    const ifNoneMatch = ctx.get('if-none-match');
    const ifModifiedSince = ctx.get('if-modified-since');
    delete ctx.request.headers['if-none-match'];
    delete ctx.request.headers['if-modified-since'];
    await next();
    if (missing && ctx.status === 200) ctx.status = 404;
    else if (ctx.status === 200 && notModified(ifNoneMatch, ifModifiedSince, ctx.response)) {
      // The body's stream is closed by Koa once the response is sent, as for any stream body.
      ctx.status = 304;
      ctx.body = null;
    }
  };
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
  if (ifModifiedSince === '') return false;
  const since = Date.parse(ifModifiedSince);
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
