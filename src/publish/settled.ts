/**
 * The settled state: what a run that left the site complete records, so that the next run,
 * finding the seeds and the site listed exactly as it left them, can report without reading a
 * record (manifest.ts keeps it ahead of the records).
 */
import { DEFAULT_LIMITS } from '../config/limits.js';
import { publishedInstant } from '../feed/items.js';
import { PAGE_TEMPLATE_VERSION } from '../site/article-page.js';
import { CONTENT_TYPES } from '../site-files.js';
import type { ListedObject } from '../storage/storage.js';
import { inOrder } from '../text/order.js';
import { digest, type ManifestHead, type SettledState, type SettledSummary } from './manifest.js';
import { SITE_RENDER_VERSION, type PlanSettings, type SeedListing } from './plan.js';

/**
 * Digest of what the seeds' listing and the site's listing show: every name with its ETag (or,
 * in a folder, inode, time and size). Equal digests mean equal listings, so a run that finds
 * the one the last run left has nothing to reconcile.
 */
export function listingDigest(seeds: readonly SeedListing[], objects: Iterable<ListedObject>): string {
  // Each name led by its length: a bucket key may hold the separators themselves, and two
  // different listings must never read alike.
  const lines: string[] = [];
  for (const seed of inOrder(seeds, (seed) => seed.fileName)) {
    lines.push(`${seed.fileName.length}:${seed.fileName}\0${seed.signature}\0${seed.size}`);
  }
  lines.push('\u0001');
  for (const object of inOrder([...objects], (object) => object.key)) {
    lines.push(`${object.key.length}:${object.key}\0${object.etag}\0${object.size}`);
  }
  return digest(lines.join('\n'));
}

/**
 * Raised when runs start to put right something earlier ones left as it was (2: archive
 * documents numbered beyond the archive are deleted). It is part of the settled state's
 * settings, so a site an earlier version left settled is reconciled once, by the first run after
 * an upgrade, instead of at its next change.
 */
const RECONCILE_VERSION = 2;

/** Digest of every setting a run's objects and its report depend on. */
export function runSettingsDigest(settings: PlanSettings): string {
  return digest(
    JSON.stringify([
      RECONCILE_VERSION,
      SITE_RENDER_VERSION,
      PAGE_TEMPLATE_VERSION,
      CONTENT_TYPES,
      settings.config,
      settings.cacheControl,
      settings.limits ?? DEFAULT_LIMITS,
      settings.maxUnpublishShare,
    ]),
  );
}

/**
 * The report of a run that has nothing to do, from the manifest's head alone: the seeds and the
 * site are listed exactly as the last run left them, with the same settings, no WebSub
 * notification is pending, and the clock is between that run's and the day of the first held
 * article. Undefined otherwise, and then the run reads the records and reconciles.
 */
export function settledSummary(
  head: ManifestHead | undefined,
  listing: { readonly seeds: readonly SeedListing[]; readonly objects: Iterable<ListedObject> },
  settings: PlanSettings,
  now: Date,
): SettledSummary | undefined {
  const settled = head?.settled;
  if (settled === undefined || (head?.pendingPings?.length ?? 0) > 0) return undefined;
  if (settled.settings !== runSettingsDigest(settings)) return undefined;
  const time = now.getTime();
  if (time < Date.parse(settled.from) || (settled.until !== undefined && time >= Date.parse(settled.until))) return undefined;
  // A seed added or deleted shows in the count; the digest of every name and ETag is computed only when it could match.
  if (settled.summary.seeds !== listing.seeds.length) return undefined;
  return settled.listing === listingDigest(listing.seeds, listing.objects) ? settled.summary : undefined;
}

/**
 * What the manifest records for the next run once this one has left the site complete: the
 * listings as it leaves them, its settings and clock, and its report. `until` is the day the
 * first held article of that report is due, since from then on the same listings no longer mean
 * nothing to do.
 */
export function settledState(listing: string, settings: PlanSettings, now: Date, summary: SettledSummary): SettledState {
  const first = firstHeldInstant(summary.held, settings.config);
  return {
    listing,
    settings: runSettingsDigest(settings),
    from: now.toISOString(),
    ...(first !== undefined ? { until: new Date(first).toISOString() } : {}),
    summary,
  };
}

/** When the first of the held articles is due (ms since the epoch), or undefined when none is held. */
export function firstHeldInstant(
  held: readonly { readonly date: string }[],
  config: Pick<PlanSettings['config'], 'publishTime'>,
): number | undefined {
  // A loop, not Math.min(...): spreading a few hundred thousand held articles overflows the stack.
  let first = Number.POSITIVE_INFINITY;
  for (const { date } of held) first = Math.min(first, publishedInstant(date, config));
  return held.length > 0 ? first : undefined;
}
