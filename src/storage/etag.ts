/** The one place that knows how S3 computes an ETag from bytes. */
import { createHash } from 'node:crypto';

/**
 * S3's ETag for an object written by one plain PutObject to a bucket encrypted with SSE-S3 (or
 * not at all) is the hex MD5 of its bytes in double quotes. It does not hold for multipart
 * uploads or SSE-KMS; infra/storage.yml sets SSE-S3 (AES256), and this project writes every
 * object with one PutObject. A run does not depend on it: it compares a LIST entry's ETag with
 * the one the PUT answered and the manifest recorded, which any ETag allows, and it tells its
 * own earlier manifest write by reading the bytes back. The MD5 stands in where a server answers
 * a PutObject without an ETag.
 */
export function md5Etag(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/**
 * An ETag in the one form S3 gives it: in double quotes, strong. Some S3-compatible servers list
 * ETags without the quotes their PUT and GET answers carry (or the other way round), or mark them
 * weak; compared as they come, every object would differ from its record and be written again
 * on every run. The empty string (no ETag) stays empty.
 */
export function normalEtag(etag: string): string {
  const bare = etag.trim().replace(/^W\//, '');
  if (bare === '') return '';
  return bare.length >= 2 && bare.startsWith('"') && bare.endsWith('"') ? bare : `"${bare.replace(/^"|"$/g, '')}"`;
}
