/**
 * A listed seed that cannot be read: its own problem (no read permission, an object the role may
 * not read, one archived to a storage class that must be restored first) is reported with the
 * file and the reason while the other articles are published, and the next run reads it again;
 * anything else (the bucket failing) fails the run as before.
 */
import { describe, expect, it } from 'vitest';
import { publish, PublishError, type PublishSummary } from '../../src/publish/publish.js';
import { StorageError, type Storage } from '../../src/storage/storage.js';
import { seed, testFeedConfig } from './support.js';
import { linkedKeys, memorySite, refusingRead, type Site } from './support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');
const B = '2026-03-02-b.txt';

function site(): Site {
  return memorySite(
    {
      '2026-03-01-a.txt': seed('2026-03-01', 'Story A', 'Text A.'),
      [B]: seed('2026-03-02', 'Story B', 'Text B.'),
      '2026-03-03-c.txt': seed('2026-03-03', 'Story C', 'Text C.'),
    },
    { now: NOW, config: testFeedConfig() },
  );
}

/** An error as S3 or the file system gives it, wrapped as the storage implementations wrap it. */
function failure(fields: { name?: string; code?: string }, message = 'refused'): StorageError {
  return new StorageError('get', B, { cause: Object.assign(new Error(message), fields) });
}

const runWith = (s: Site, seeds: Storage): Promise<PublishSummary> =>
  publish({ storage: s.site, seeds, settings: s.settings, now: () => s.now });

describe('a seed that cannot be read', () => {
  for (const [why, fields] of [
    ['without read permission in a folder (EACCES)', { code: 'EACCES' }],
    ['that the role may not read (AccessDenied)', { name: 'AccessDenied' }],
    ['archived to a storage class that must be restored (InvalidObjectState)', { name: 'InvalidObjectState' }],
  ] as const) {
    it(`${why}: is reported with its file and reason, the others are published, and the next run reads it again`, async () => {
      // Prepare
      const s = site();
      const refused = refusingRead(s, B, () => failure(fields));

      // Act
      const first = await runWith(s, refused.seeds);
      const linkedFirst = [...new Set(linkedKeys(s.site.objects))].sort();
      const again = await runWith(s, refused.seeds);
      refused.heal();
      const healed = await runWith(s, refused.seeds);
      const settled = await runWith(s, refused.seeds);

      // Assess
      expect(first.rejected).toEqual([{ file: B, line: 1, reason: expect.stringContaining('cannot be read'), keptPublished: false }]);
      expect(first.rejected[0]!.reason).toContain('refused');
      expect(first.articles).toMatchObject({ seeds: 3, published: 2, rejected: 1 });
      expect(linkedFirst.filter((key) => key.startsWith('articles/'))).toEqual([
        'articles/2026-03-01-story-a.html',
        'articles/2026-03-03-story-c.html',
      ]);
      // Not settled: the listings are the same, and the seed is tried again.
      expect(again.rejected).toHaveLength(1);
      expect(healed.rejected).toEqual([]);
      expect(healed.articles).toMatchObject({ seeds: 3, published: 3, rejected: 0, read: 1 });
      expect(linkedKeys(s.site.objects)).toContain('articles/2026-03-02-story-b.html');
      expect(settled.articles.read).toBe(0);
      expect(settled.objects.written).toBe(0);
    });
  }

  it('after an edit keeps its published version online while it cannot be read', async () => {
    // Prepare
    const s = site();
    await s.run();
    const page = s.snapshot()['articles/2026-03-02-story-b.html'];
    await s.writeSeed(B, seed('2026-03-02', 'Story B', 'Edited text B.'));

    // Act
    const summary = await runWith(s, refusingRead(s, B, () => failure({ code: 'EACCES' })).seeds);

    // Assess
    expect(summary.rejected).toEqual([{ file: B, line: 1, reason: expect.any(String), keptPublished: true }]);
    expect(summary.articles).toMatchObject({ seeds: 3, published: 3, rejected: 1 });
    expect(s.snapshot()['articles/2026-03-02-story-b.html']).toBe(page);
  });

  it('because the bucket fails (a 500 after retries) still fails the run, naming the seed', async () => {
    // Prepare
    const s = site();
    const seeds = refusingRead(s, B, () => failure({ name: 'InternalError' }, 'We encountered an internal error. Please try again.')).seeds;

    // Act
    const run = runWith(s, seeds);

    // Assess
    await expect(run).rejects.toThrow(PublishError);
    await expect(run).rejects.toThrow(/2026-03-02-b\.txt.*internal error/);
  });
});
