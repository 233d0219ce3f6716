/** The one place that knows how S3 computes an ETag from bytes. */
import { createHash } from 'node:crypto';

/**
 * S3's ETag for an object written by one plain PutObject to a bucket encrypted with SSE-S3 (or
 * not at all) is the hex MD5 of its bytes in double quotes. That is the one assumption that lets a
 * run compare a LIST entry with bytes it is about to write, without reading the object back.
 * It does not hold for multipart uploads or SSE-KMS; infra/storage.yml sets SSE-S3 (AES256), and
 * this project writes every object with one PutObject. Where it does not hold, the only cost is
 * an extra PUT: the run also compares with the ETag it recorded when it last wrote the object.
 */
export function md5Etag(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}
