/**
 * The publish use case: reconcile the bucket with the seeds, writing only what changed. The
 * decisions are in plan.ts (pure); this file does the I/O in the order that keeps every
 * published link resolvable: article pages, then the index and the feeds that link to them,
 * then deletions of pages nothing links to any more, then the manifest; and last, when a hub is
 * set, the WebSub notification of the feeds that changed. A run that lists the seeds and the
 * site exactly as the last complete run left them stops after the listings (settled.ts).
 */
import { DEFAULT_LIMITS } from '../config/limits.js';
import { collisionReason, idCollisions, itemId } from '../article/identity.js';
import { ARCHIVE_PREFIX, ARTICLES_PREFIX, CONTENT_TYPES } from '../site-files.js';
import { compareStrings } from '../text/order.js';
import type { EntryText } from '../feed/items.js';
import { articlePath, itemUpdated, publishedInstant } from '../feed/items.js';
import { describeError } from '../errors.js';
import { PreconditionFailedError, type ListedObject, type PutOptions, type Storage } from '../storage/storage.js';
import { mapWithConcurrency } from './concurrency.js';
import { fullArchiveCacheControl } from './archive-pages.js';
import {
  MANIFEST_KEY,
  parseManifest,
  readManifestHead,
  serializeManifest,
  type ArchiveLayout,
  type ArticleRecord,
  type Manifest,
  type ObjectRecord,
  type SettledState,
  type SettledSummary,
} from './manifest.js';
import {
  goneArticleNames,
  isPublished,
  heldAgainBySchedule,
  leavingArticles,
  MissingText,
  needsTextKept,
  notApproved,
  oversizeSeed,
  planArticle,
  preview,
  textFromSeed,
  rejectedArticle,
  planSite,
  recordsAfterReads,
  sameRecords,
  seedsToRead,
  unpublishAfterReadsGuard,
  unpublishGuard,
  type ArticlePlan,
  type PlannedPut,
  type PlanSettings,
  type SeedListing,
  type SitePlan,
  writtenHash,
} from './plan.js';
import { rankPublished } from './ranking.js';
import {
  archiveLayout,
  holdsRecoveredRecords,
  jsonFeedKeys,
  laterEditsWarning,
  publishedLookAlikes,
  publishedTexts,
  recoverSite,
  recoveredRecords,
  type RecoveredArticles,
} from './recovered.js';
import { listSeeds, readSeedIfReadable, type SkippedSeed } from './seeds.js';
import { withRenamedSeeds } from './renamed-seeds.js';
import { listingDigest, settledState, settledSummary } from './settled.js';
import { changedFeedUrls, feedsToAnnounce, pingHub, type PingResult } from './websub.js';

/** How many article texts a run keeps in memory at most, beyond the feeds' items and the newest archive. */
const TEXTS_KEPT = 2000;

/** Seeds are read and their pages written this many at a time, so memory follows the batch, not the archive. */
const BATCH = 64;

export interface PublishRequest {
  /** Read every seed and rewrite every object, even those that are unchanged; overrides the unpublish guard. */
  readonly force?: boolean;
  /** Plan and report, write nothing. */
  readonly dryRun?: boolean;
  /**
   * Aborted when the run must stop (the Lambda is about to time out). The run checks it before
   * each batch of seeds and before each later step, so it stops between writes: the write order
   * keeps every link resolvable, and the next run carries on from what was written.
   */
  readonly signal?: AbortSignal;
}

export interface PublishDependencies {
  /** Where the site is published. */
  readonly storage: Storage;
  /** Where the seed files are: a folder, or a bucket prefix. */
  readonly seeds: Storage;
  readonly settings: PlanSettings;
  readonly now: () => Date;
  /** How many requests are in flight at once. */
  readonly concurrency?: number;
  /** How the WebSub hub is notified; the global fetch unless a test gives another. */
  readonly fetch?: typeof fetch;
}

export interface PublishSummary {
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly articles: {
    /** Seed files listed. */
    readonly seeds: number;
    /** Seed files read this run: those that changed, and those whose page or feed entry had to be made again. */
    readonly read: number;
    readonly published: number;
    readonly held: number;
    readonly rejected: number;
    readonly unpublished: number;
  };
  /** Every seed that cannot be published as it is now, whether read this run or earlier. */
  readonly rejected: readonly { readonly file: string; readonly line: number; readonly reason: string; readonly keptPublished: boolean }[];
  readonly held: readonly { readonly file: string; readonly date: string }[];
  /** Entries of a seeds folder that are not files (symbolic links, devices): left out, never followed. */
  readonly skipped: readonly SkippedSeed[];
  readonly feedItems: number;
  /** In a dry run, `written` and `deleted` are what would have been. */
  readonly objects: {
    readonly written: number;
    readonly unchanged: number;
    readonly deleted: number;
    readonly writtenKeys: readonly string[];
    readonly deletedKeys: readonly string[];
  };
  readonly warnings: readonly string[];
  /** The WebSub hub's notifications, when a hub is set and the run is no dry run; failures are in `warnings` too. */
  readonly pings?: PingResult;
  readonly durationMs: number;
}

/** The run as a whole could not publish; every published link still resolves, and the next run converges. */
export class PublishError extends Error {
  constructor(
    message: string,
    readonly summary?: Partial<PublishSummary>,
    options: {
      readonly cause?: unknown;
      /**
       * The run was asked to stop (its deadline) and did, after saving what it finished in the
       * manifest: no fault, only more work than one run has time for (a large first publish, a
       * change of every page). The next run carries on from there. A dry run that stopped so too:
       * it wrote nothing, and its summary holds the plan as far as it got.
       */
      readonly carriesOn?: boolean;
      /** The unpublish guard refused the run: each entry point says how to force it. */
      readonly refused?: boolean;
    } = {},
  ) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'PublishError';
    this.carriesOn = options.carriesOn === true;
    this.refused = options.refused === true;
  }

  readonly carriesOn: boolean;
  readonly refused: boolean;
}

export async function publish(deps: PublishDependencies, request: PublishRequest = {}): Promise<PublishSummary> {
  const started = performance.now();
  const force = request.force === true;
  const dryRun = request.dryRun === true;
  const now = deps.now();
  const { storage, settings } = deps;
  const concurrency = deps.concurrency ?? 16;
  let currentStep = 'the seeds and the bucket were listed';
  const checkTime = (step: string) => {
    currentStep = step;
    if (request.signal?.aborted) throw new RunStopped(step, request.signal.reason, dryRun);
  };
  // A request in flight when the deadline fires is abandoned, not awaited: with a slow store, the
  // ones already started would otherwise run past the Lambda's timeout. The run then stops as it
  // would have at its next check.
  const stopped = (error: unknown): unknown =>
    !(error instanceof RunStopped) && request.signal?.aborted ? new RunStopped(currentStep, request.signal.reason, dryRun) : error;

  // What exists: three listings of the bucket (its root, the pages, the archives), one of the seeds, and the manifest.
  let listedSeeds: SeedListing[];
  let skipped: readonly SkippedSeed[] = [];
  let objects: Map<string, ListedObject>;
  let stored: { body: Uint8Array; etag: string } | undefined;
  try {
    const signal = request.signal ? { signal: request.signal } : {};
    const [seedList, published, manifestObject] = await Promise.all([
      listSeeds(deps.seeds, signal),
      listPublished(storage, signal),
      storage.get(MANIFEST_KEY, signal),
    ]);
    listedSeeds = seedList.seeds;
    skipped = seedList.skipped;
    objects = new Map(published.map((object) => [object.key, object]));
    stored = manifestObject && { body: manifestObject.body, etag: manifestObject.etag };
  } catch (thrown) {
    // Stopped by the deadline while listing a large bucket: said as such, not as a listing that failed.
    const error = stopped(thrown);
    if (error instanceof RunStopped) {
      // A dry run says it wrote nothing already, and stopping is all it did (see RunStopped).
      const message = dryRun ? error.message : `${error.message}; nothing was written`;
      throw new PublishError(message, { dryRun, force }, { cause: error, carriesOn: dryRun });
    }
    throw new PublishError(
      `reading the seeds, the bucket's listing or ${MANIFEST_KEY} failed; nothing was written: ${describeError(error)}`,
      undefined,
      {
        cause: error,
      },
    );
  }
  // The manifest's head, if it is laid out as this version writes it.
  const storedHead = readManifestHead(stored?.body);
  // Everything listed as the last run left it: its report stands, and no record needs reading.
  if (!force) {
    const settled = settledSummary(storedHead, { seeds: listedSeeds, objects: objects.values() }, settings, now);
    if (settled) return settledRun(settled, { dryRun, skipped, started, hub: settings.config.websubHub !== undefined });
  }

  const { manifest: parsed, legacy, problem } = parseManifest(stored?.body, now);
  const warnings: string[] = problem ? [problem] : [];
  const seedFileNames = listedSeeds.map((seed) => seed.fileName);
  // Without records to trust, the pages the published feeds name keep their addresses.
  let recovered: RecoveredArticles | undefined;
  let recoveredLayout: ArchiveLayout | undefined;
  /** Which of several look-alike seeds each recovered article came from, where they tell. */
  let lookAlikes: ReadonlyMap<string, string> | undefined;
  const feeds = Object.keys(parsed.articles).length === 0 && !legacy ? jsonFeedKeys(objects.keys()) : [];
  if (feeds.length > 0) {
    try {
      checkTime('reading the published feeds');
      const site = await recoverSite(storage, feeds, settings.config, now, request.signal);
      recovered = site.articles;
      const readable = listedSeeds.filter((seed) => oversizeSeed(seed, settings) === undefined).map((seed) => seed.fileName);
      lookAlikes = await publishedLookAlikes(recovered, readable, settings.config.idPrefix, deps.seeds, request.signal);
      if (site.laterEdits.length > 0) warnings.push(laterEditsWarning(site.laterEdits));
      recoveredLayout = parsed.archive ? undefined : archiveLayout(site.archives, seedFileNames, settings.config, lookAlikes);
    } catch (thrown) {
      const error = stopped(thrown);
      throw new PublishError(
        failureMessage(error),
        { dryRun, force, warnings },
        { cause: error, carriesOn: dryRun && error instanceof RunStopped },
      );
    }
    // A damaged manifest is reported already (`problem`); a missing one beside a published site is said here.
    if (recovered.size > 0 && stored === undefined)
      warnings.push(
        `${MANIFEST_KEY} is missing; ${recovered.size} published articles keep their page addresses and edit dates, read back from the published JSON feeds`,
      );
  }
  // Every article the feeds name gets a record with its address (recoveredRecords): one whose
  // seed is gone, or whose seed now dates it later, is a published one leaving, as the lost
  // records would have said: guarded, and its page deleted. A look-alike newcomer does not take
  // its id. The archive is cut as the published archives show it.
  const remembered = recovered
    ? {
        ...parsed,
        articles: recoveredRecords(recovered, seedFileNames, settings.config.idPrefix, lookAlikes),
        ...(recoveredLayout ? { archive: recoveredLayout } : {}),
      }
    : parsed;
  // A seed saved again under a name with its id (NFD, `.TXT`) keeps its record: its page stays.
  const previous = withRenamedSeeds(remembered, seedFileNames, settings.config.idPrefix);
  // Files whose ids collide: the one published before keeps its id (a newcomer named like it
  // does not take it over, even while the other is held), else the first in byte order; the
  // others are refused. Its slug says it was published: it is given at first publication.
  const collisions = idCollisions(seedFileNames, (fileName) => previous.articles[fileName]?.slug !== undefined);
  const collided: PublishSummary['rejected'][number][] = [];
  for (const [fileName, first] of collisions)
    collided.push({ file: fileName, line: 1, reason: collisionReason(first, fileName), keptPublished: false });
  const seeds = collisions.size === 0 ? listedSeeds : listedSeeds.filter((seed) => !collisions.has(seed.fileName));
  if (legacy)
    warnings.push(
      Object.keys(parsed.articles).length === 0
        ? `${MANIFEST_KEY} is from an earlier version; every seed is read once to rebuild it (edit dates are kept)`
        : `${MANIFEST_KEY} is being rebuilt from an earlier version: the seeds not read yet are read once (edit dates are kept)`,
    );

  // With the records lost, every article the feeds name was published; after a run that recovered
  // them and stopped before it finished, the pages in the bucket tell how many were published:
  // pages as the publisher names them (`articles/<slug>.html`), not the photos or folders someone
  // keeps beside them, which would make a share of them look smaller.
  const publishedBefore =
    recovered !== undefined || holdsRecoveredRecords(previous.articles)
      ? Math.max(recovered?.size ?? 0, [...objects.keys()].filter(isPageKey).length)
      : undefined;
  const refusal = unpublishGuard(seeds, previous, settings.maxUnpublishShare, publishedBefore);
  if (refusal && !force) throw new PublishError(refusal, { dryRun, force, warnings }, { refused: true });
  /** Every article leaving the site, once the changed seeds are read (leavingArticles). */
  let leavingAfterReads: readonly string[] | undefined;

  const planned = new Map<string, ArticleRecord>();
  const texts = new Map<string, EntryText>();
  const rejections = new Map<string, { line: number; reason: string }>();
  /** Seeds that could not be read this run, and why (unreadableSeed). */
  const unreadable = new Map<string, string>();
  /**
   * Seeds whose version read is not the one listed (an editor saved between the listing and the
   * read), with the ETag of the version read: that is what their records say they were made
   * from, so a run that lists the listed version again (the edit undone) reads them again. And
   * no settled state: that run's listing would match it without a record being compared.
   */
  const changedSinceListed = new Map<string, string>();
  /** Seeds read and refused as they are, and why (over MAX_SEED_BYTES once decompressed). */
  const refusedAsRead = new Map<string, string>();
  const readListing = (seed: SeedListing): SeedListing => {
    const etag = changedSinceListed.get(seed.fileName);
    return etag === undefined ? seed : { ...seed, signature: etag };
  };
  const seedBytesLimit = (settings.limits ?? DEFAULT_LIMITS).seedBytes;
  const usedSlugs = new Set<string>();
  for (const record of Object.values(previous.articles)) if (record.slug !== undefined) usedSlugs.add(record.slug);
  const writtenKeys: string[] = [];
  /** Objects the run would have written that the storage already held with the same bytes (Storage.heldAs). */
  const keptKeys: string[] = [];
  /** Those of keptKeys the manifest records with another input: their changes may be unannounced. */
  const unrecordedKeys: string[] = [];
  /** The feed URLs the hub is still to hear of: those this run changed, and those pending before it. */
  const dueToAnnounce = (): string[] =>
    feedsToAnnounce(changedFeedUrls([...writtenKeys, ...unrecordedKeys], settings.config), previous.pendingPings, settings.config);
  const etags = new Map<string, string>();
  /** Published articles whose seeds, read this run, no longer publish them (dated later): leaving. */
  const movedAway = new Set<string>();

  /**
   * What the manifest saved by a run that stops or fails records as approved to leave
   * (Manifest.approvedLeaving), so that the runs carrying on finish the job the guard was
   * overridden for, and only that. A forced run approves what it was told to unpublish: the
   * articles whose seeds are gone and those its reads found leaving, or all that leave once its
   * reads are done. Another run keeps the approvals it read, but for an article published again
   * as it stands: its seed back as the record has it, or read this run and publishable.
   */
  const approvals = (): string[] => {
    if (force) {
      const leaving = leavingAfterReads ?? [...goneArticleNames(seeds, previous), ...movedAway];
      return [...new Set(leaving)].sort(compareStrings);
    }
    const listed = new Map(seeds.map((seed) => [seed.fileName, seed.signature]));
    return (previous.approvedLeaving ?? []).filter((name) => {
      const signature = listed.get(name);
      if (signature === undefined) return true;
      return planned.has(name) ? movedAway.has(name) : previous.articles[name]?.seed !== signature;
    });
  };
  let read = 0;
  if (recovered) for (const { slug } of recovered.values()) usedSlugs.add(slug);

  const put = async (object: PlannedPut): Promise<string> => {
    // Held by the bucket as the manifest recorded it (PlannedPut.heldAs): recorded anew, not written again.
    if (object.heldAs !== undefined) {
      keptKeys.push(object.key);
      etags.set(object.key, object.heldAs);
      return object.heldAs;
    }
    // Asked only of an object listed at the size it would be written at (the others differ
    // anyway), and not at all of a storage that cannot tell: no wait before a bucket's put.
    const mayHold = !force && storage.heldAs !== undefined && objects.get(object.key)?.size === object.body.byteLength;
    const held = mayHold ? await storage.heldAs?.(object.key, object.body) : undefined;
    if (held !== undefined) {
      // Already there with these bytes: recorded under the ETag it has, not written again.
      keptKeys.push(object.key);
      // Not what the manifest records: a run that wrote it failed before the manifest (and its
      // pending notifications) were saved, so the hub may not have heard of it.
      if (previous.objects[object.key]?.input !== object.input) unrecordedKeys.push(object.key);
      etags.set(object.key, held);
      objects.set(object.key, { key: object.key, etag: held, size: object.body.byteLength });
      return held;
    }
    if (dryRun) {
      writtenKeys.push(object.key);
      return '';
    }
    const { etag } = await storage.put(object.key, object.body, {
      contentType: object.contentType,
      cacheControl: object.cacheControl ?? settings.cacheControl,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    // Only once the store took it: a failed run reports what it wrote, not what it tried.
    writtenKeys.push(object.key);
    etags.set(object.key, etag);
    // The listing follows what this run wrote, so a seed read again later in the run (for an
    // archive's text) finds its new page current instead of writing it twice.
    objects.set(object.key, { key: object.key, etag, size: object.body.byteLength });
    return etag;
  };

  type PagePut = { fileName: string; page: PlannedPut; record: ArticleRecord };
  /** Takes one seed's plan: its record, its text, its rejection, and its page to write into `pages`. */
  const apply = (fileName: string, plan: ArticlePlan, pages: PagePut[]) => {
    if (plan.record.slug !== undefined) usedSlugs.add(plan.record.slug);
    if (plan.rejection) rejections.set(fileName, plan.rejection);
    else rejections.delete(fileName);
    if (plan.text && plan.record.day !== undefined) texts.set(fileName, plan.text);
    if (!plan.page && !isPublished(plan.record) && isPublished(previous.articles[fileName])) movedAway.add(fileName);
    else movedAway.delete(fileName);
    planned.set(fileName, plan.record);
    if (plan.page) pages.push({ fileName, page: plan.page, record: plan.record });
  };
  const writePages = (pages: readonly PagePut[], step: string) =>
    mapWithConcurrency(pages, concurrency, async ({ fileName, page, record }) => {
      checkTime(step);
      const etag = await put(page);
      planned.set(fileName, { ...record, page: { input: page.input, etag } });
    });

  /** Reads seeds in batches, plans each, and writes the pages of each batch before reading the next. */
  const readAndPlan = async (fileNames: readonly string[], prune: boolean) => {
    const listing = new Map(seeds.map((seed) => [seed.fileName, seed]));
    // Published articles refused now whose records keep no text (outside the feeds' items and
    // the newest archive): their last good text is read back from the JSON feeds once all seeds
    // are read, in one pass over the documents, and kept. Their records stay as they were until
    // then: a run stopped meanwhile saves the old ones, and the next run reads those seeds, and
    // looks, again. Once: a seed refused before and still without text is not looked for again.
    const textless: { fileName: string; record: ArticleRecord; plan: ArticlePlan }[] = [];
    for (let start = 0; start < fileNames.length; start += BATCH) {
      const step = `reading seeds (${start} of ${fileNames.length} done)`;
      checkTime(step);
      const batch = fileNames.slice(start, start + BATCH);
      // A seed over the size limit is refused from its listing, never read.
      const oversize = batch.map((fileName) => oversizeSeed(listing.get(fileName)!, settings));
      // The deadline is checked before each request too: a batch is up to 64 reads and 64
      // writes, far longer than the margin before the Lambda's timeout when the store is slow.
      const bytes = await mapWithConcurrency(batch, concurrency, async (fileName, index) => {
        checkTime(step);
        if (oversize[index]) return undefined;
        const result = await readSeedIfReadable(deps.seeds, fileName, request.signal, seedBytesLimit);
        if ('bytes' in result) {
          if (result.etag !== listing.get(fileName)!.signature) changedSinceListed.set(fileName, result.etag);
          return result.bytes;
        }
        if ('refused' in result) {
          // Refused as it is (too large once decompressed): as a seed that does not parse, read
          // again once its listing changes, not on every run.
          refusedAsRead.set(fileName, result.refused);
          return undefined;
        }
        // The seed's own problem (no read permission): refused as a seed that does not parse is,
        // its last good version kept, and read again on the next run; the others are published.
        unreadable.set(fileName, `${result.unreadable}; it is read again on the next run`);
        return undefined;
      });
      read += bytes.filter((body) => body !== undefined).length;
      const pages: PagePut[] = [];
      batch.forEach((fileName, index) => {
        const previousRecord = planned.get(fileName) ?? previous.articles[fileName];
        const tooLarge = oversize[index];
        const cannotRead = unreadable.get(fileName);
        const refused = refusedAsRead.get(fileName);
        const listed = previousRecord?.slug === undefined ? undefined : objects.get(articlePath(previousRecord.slug));
        const plan = tooLarge
          ? rejectedArticle(listing.get(fileName)!, previousRecord, tooLarge, { settings, force, listed }, { tooLarge: true })
          : refused !== undefined
            ? rejectedArticle(listing.get(fileName)!, previousRecord, { fileName, line: 1, reason: refused }, { settings, force, listed })
            : cannotRead !== undefined
              ? rejectedArticle(
                  listing.get(fileName)!,
                  previousRecord,
                  { fileName, line: 1, reason: cannotRead },
                  { settings, force, listed },
                  { unreadable: true },
                )
              : planArticle(readListing(listing.get(fileName)!), bytes[index]!, previousRecord, {
                  settings,
                  now,
                  force,
                  listed,
                  usedSlugs,
                  ...(legacy ? { legacy } : {}),
                  ...(previous.pageSettings === undefined ? {} : { recordedPageSettings: previous.pageSettings }),
                });
        if (plan.rejection && previousRecord !== undefined && previousRecord.rejected === undefined && needsTextKept(previousRecord)) {
          textless.push({ fileName, record: previousRecord, plan });
        } else apply(fileName, plan, pages);
      });
      await writePages(pages, step);
      if (prune) keepNewestTexts(texts, planned, settings);
    }
    if (textless.length === 0) return;
    const step = 'reading back the last good text of refused seeds';
    checkTime(step);
    const found = await publishedTexts(
      storage,
      objects.keys(),
      new Map(textless.map(({ fileName, record }) => [fileName, { slug: record.slug!, modified: publishedModified(record, settings) }])),
      (key, body) => writtenAsRecorded(key, body, previous.objects[key], objects.get(key), settings),
      request.signal,
    );
    const pages: PagePut[] = [];
    const lost: string[] = [];
    for (const { fileName, record, plan } of textless) {
      const text = found.get(fileName);
      if (text === undefined) {
        lost.push(fileName);
        apply(fileName, plan, pages);
        continue;
      }
      // Planned again as the record with its text: kept in the archives, its page made again when due.
      const listed = objects.get(articlePath(record.slug!));
      const { tooLarge = false, unreadable: cannotRead = false } = plan.record.rejected ?? {};
      apply(
        fileName,
        rejectedArticle(
          listing.get(fileName)!,
          { ...record, text },
          plan.rejection!,
          { settings, force, listed },
          { tooLarge, unreadable: cannotRead },
        ),
        pages,
      );
    }
    await writePages(pages, step);
    if (lost.length > 0) {
      warnings.push(
        `${lost.length} refused articles have no text kept, nor in the JSON feeds as last published (cut by MAX_FEED_BYTES, or changed there): their pages stay, but they leave the archives until their seeds are fixed: ${preview(lost)}`,
      );
    }
  };

  /**
   * Said by a run that stops or fails leaving an approval in the manifest (its own, or one it
   * found and did not finish): the runs after it, scheduled ones included, unpublish those
   * articles though none of them is forced.
   */
  const approvalLeft = (saved: boolean): string[] => {
    const approved = saved ? approvals() : (previous.approvedLeaving ?? []);
    if (approved.length === 0) return [];
    return [
      `the runs that carry on unpublish, without force, the ${approved.length} articles a forced run was told to unpublish (approvedLeaving): ${preview(approved)}`,
    ];
  };

  /**
   * A run that stops or fails part way keeps what it finished, so that the next run carries on
   * from there instead of starting over, however many runs a large first publish or a change of
   * every page takes. Before the site is planned: the manifest it read, with the records of the
   * articles whose pages it wrote or found current (or that need none). After: the site plan's
   * manifest, with the records of the archives, index and feeds written so far. Either way, an
   * article whose page is still to be deleted keeps its old record (so the next run deletes it),
   * the feeds written are still to be announced, and there is no settled state: the site is not
   * complete. Written only over the manifest the run read; a failure to write it is left to the
   * next run, which then does this run's work again.
   */
  const saveProgress = async (): Promise<boolean> => {
    if (dryRun) return false;
    // Before the site is planned, the index and feeds are still made from the old records: the
    // digest that says what they were made from goes, or the next run, finding the records it
    // describes, would take them for current and never make them again.
    const { siteInput: _siteInput, ...unplanned } = previous;
    const next = sitePlanned ? site.manifest(etags, archivePuts) : { ...unplanned, articles: Object.fromEntries(planned) };
    const articles: Record<string, ArticleRecord> = { ...previous.articles, ...next.articles };
    let finished = 0;
    for (const [fileName, record] of Object.entries(next.articles)) {
      const before = previous.articles[fileName];
      const pageLeft = record.page === undefined && before?.page !== undefined && !deletedKeys.includes(articlePath(before.slug!));
      if (pageLeft && before) articles[fileName] = before;
      else if (before !== record) finished++;
    }
    const approvedLeaving = approvals();
    if (finished === 0 && archivePuts.length === 0 && writtenKeys.length === 0 && sameList(approvedLeaving, previous.approvedLeaving)) {
      return false;
    }
    // The page settings recorded stay those of the last run that completed: a record kept as it
    // was (its page not deleted yet) was made with them, and the next run must see that the
    // settings changed since, to read again what they change (an article due later under a
    // publish time moved later).
    const { settled: _settled, pendingPings: _pending, approvedLeaving: _approved, pageSettings: _pageSettings, ...rest } = next;
    const head = previous.pageSettings === undefined ? rest : { ...rest, pageSettings: previous.pageSettings };
    const pending = settings.config.websubHub === undefined ? [] : dueToAnnounce();
    try {
      await storage.put(
        MANIFEST_KEY,
        serializeManifest(
          {
            ...head,
            articles,
            ...(pending.length > 0 ? { pendingPings: pending } : {}),
            ...(approvedLeaving.length > 0 ? { approvedLeaving } : {}),
            ...legacyNotRead(articles),
          },
          previous,
        ),
        manifestPutOptions(stored?.etag),
      );
      return true;
    } catch {
      // The manifest stays as the run found it: the next run does this run's work again.
      return false;
    }
  };
  /** What a stopped upgrade from a first-version manifest keeps of it: the articles it has no record of yet. */
  const legacyNotRead = (articles: Readonly<Record<string, ArticleRecord>>): Pick<Manifest, 'legacyArticles'> => {
    if (legacy === undefined) return {};
    const recorded = new Set(Object.keys(articles).map((fileName) => itemId(settings.config.idPrefix, fileName)));
    const left = [...legacy].filter(([id]) => !recorded.has(id));
    return left.length > 0 ? { legacyArticles: Object.fromEntries(left) } : {};
  };
  const deletedKeys: string[] = [];
  // Key and input only: the manifest needs no more, and keeping the bodies would hold every archive in memory.
  const archivePuts: Pick<PlannedPut, 'key' | 'input' | 'output'>[] = [];

  let site: SitePlan;
  let sitePlanned = false;
  let records: Map<string, ArticleRecord>;
  try {
    // Pages first: a reader who gets the new feed can always follow its links.
    await readAndPlan(seedsToRead(seeds, previous, objects, settings, now, force), true);
    for (;;) {
      records = recordsAfterReads(seeds, previous, planned);
      try {
        site = planSite({ settings, now, force, previous, records, texts, objects });
        sitePlanned = true;
        break;
      } catch (error) {
        if (!(error instanceof MissingText)) throw error;
        // A feed item that was not among the feeds' items last run (a newer one left): read its seed once.
        const unread = error.fileNames.filter((fileName) => !texts.has(fileName));
        if (unread.length === 0) throw error;
        // Kept whole: these are exactly the texts the feeds' items need.
        await readAndPlan(unread, false);
      }
    }
  } catch (thrown) {
    const error = stopped(thrown);
    const message = failureMessage(error);
    const saved = await saveProgress();
    throw new PublishError(
      message,
      { dryRun, force, objects: summaryObjects(writtenKeys, [], 0), warnings: [...warnings, ...approvalLeft(saved)] },
      { cause: error, carriesOn: error instanceof RunStopped && (saved || dryRun) },
    );
  }
  // Pages written so far are new or changed ones, linked from nothing yet; nothing has left the site.
  const leaving = leavingArticles(previous, records, publishedBefore);
  leavingAfterReads = leaving.leaving;
  const heldAgain = heldAgainBySchedule(leaving.leaving, seeds, previous, records, settings, now);
  const refused = force
    ? undefined
    : unpublishAfterReadsGuard({ ...leaving, leaving: notApproved(leaving.leaving, previous) }, settings.maxUnpublishShare, heldAgain);
  if (refused) {
    // What it saves is the pages it wrote, not the refused plan: no archive, index or feed of it
    // was written, and its records of them would make the next run rewrite what the bucket holds.
    sitePlanned = false;
    await saveProgress();
    throw new PublishError(refused, { dryRun, force, objects: summaryObjects(writtenKeys, [], 0), warnings }, { refused: true });
  }
  if (heldAgain.size > 0) {
    const back = Math.min(...[...heldAgain].map((name) => publishedInstant(records.get(name)!.day!, settings.config)));
    warnings.push(
      `${heldAgain.size} published articles leave until their day is out under the current publishTime and timeZone (the first at ${new Date(back).toISOString()}), and are back then with the same address: ${preview([...heldAgain].sort(compareStrings))}`,
    );
  }
  // Said, since the guard let them through without this run being forced.
  const approvedBefore = new Set(force ? [] : (previous.approvedLeaving ?? []));
  const approvedNow = leaving.leaving.filter((name) => approvedBefore.has(name));
  if (approvedNow.length > 0) {
    warnings.push(
      `${approvedNow.length} of the articles leaving were approved by a forced run that stopped before unpublishing them (approvedLeaving): ${preview(approvedNow)}`,
    );
  }

  const summarized = summarize(records, rejections, settings, now);
  const rejected = [...summarized.rejected, ...collided].sort((a, b) => compareStrings(a.file, b.file));
  const summaryBase = {
    ...summarized,
    rejected,
    skipped,
    articles: { ...summarized.articles, seeds: summarized.articles.seeds + collided.length, rejected: rejected.length },
  };
  if (site.itemCount === 0) {
    throw new PublishError(
      seeds.length === 0
        ? 'no seed articles were found; nothing was written'
        : `none of the ${seeds.length} seed articles could be published; nothing was written`,
      { dryRun, force, ...summaryBase, warnings: [...warnings, ...site.warnings] },
    );
  }

  // The feeds to tell the WebSub hub about, and the manifest's ETag once this run wrote it.
  const hub = settings.config.websubHub;
  let pendingPings: string[] = [];
  let manifestEtag = stored?.etag;
  // None when a seed could not be read: the next run, finding the same listings, must read it again.
  let settled: SettledState | undefined;
  /** Articles whose seeds could not be read when their archive was made: left out of it, their pages kept. */
  const leftOutOfArchives: PublishSummary['rejected'][number][] = [];
  const pagesPublished = publishedPages(records);
  try {
    // Archives first, newest first: an archive that is new is written before the one it follows
    // gains its next-archive link, and before the feeds link to it, so a run cut short leaves no
    // link to an archive not yet written. One at a time, reading only the text it lacks, and
    // dropping it afterwards (but the newest archive's, which the manifest keeps), so memory
    // holds one archive's text whatever the archive's size.
    for (const job of [...site.archives].reverse()) {
      checkTime(`writing archive ${job.number}`);
      const lacking = job.fileNames.filter((fileName) => !texts.has(fileName) && records.get(fileName)?.text === undefined);
      // Seeds that cannot be read now (their own problem): the archive goes without them this
      // run; their records say so, and the next run reads them and makes the archive again.
      const leftOut = new Set<string>();
      const lackingTexts = await mapWithConcurrency(lacking, concurrency, async (fileName) => {
        checkTime(`writing archive ${job.number}`);
        const read = await readSeedIfReadable(deps.seeds, fileName, request.signal, seedBytesLimit);
        // Changed since it was listed: its record is the listed version's, which the text read
        // is not; left out as a seed that cannot be read is, and read again by the next run.
        const result =
          'bytes' in read && read.etag !== records.get(fileName)?.seed
            ? { unreadable: 'it changed while this run read it; it is read again on the next run' }
            : 'refused' in read
              ? { unreadable: read.refused }
              : read;
        if ('bytes' in result) return textFromSeed(fileName, result.bytes);
        const why = `${result.unreadable}; it is left out of archive ${job.number} until it can be read`;
        unreadable.set(fileName, why);
        leftOut.add(fileName);
        const record = records.get(fileName)!;
        records.set(fileName, { ...record, rejected: { line: 1, reason: why, unreadable: true } });
        leftOutOfArchives.push({ file: fileName, line: 1, reason: why, keptPublished: true });
        return undefined;
      });
      // An archive has to list something: with none of its articles readable, the run stops
      // before anything links past it, and the next run tries again.
      if (job.fileNames.every((fileName) => leftOut.has(fileName))) {
        throw new Error(
          `none of the articles of archive ${job.number} can be read now: ${[...leftOut].map((name) => `${name}: ${unreadable.get(name)}`).join('; ')}`,
        );
      }
      lacking.forEach((fileName, index) => {
        const text = lackingTexts[index];
        if (text) texts.set(fileName, text);
      });
      read += lacking.length;
      for (const object of site.renderArchive(job, texts, leftOut)) {
        archivePuts.push({ key: object.key, input: object.input, ...(object.output === undefined ? {} : { output: object.output }) });
        await put(object);
      }
      if (job.number !== site.archiveCount) for (const fileName of lacking) texts.delete(fileName);
    }
    checkTime('writing the index and the feeds');
    for (const object of site.puts) await put(object);
    // Only now that no feed or index links to them.
    checkTime('deleting unpublished pages');
    if (!dryRun) {
      // Archive documents beyond the archive first: they link to pages deleted here too.
      const archivesFirst = [
        site.deletes.filter((key) => !key.startsWith(ARTICLES_PREFIX)),
        site.deletes.filter((key) => key.startsWith(ARTICLES_PREFIX)),
      ];
      for (const keys of archivesFirst) {
        await mapWithConcurrency(keys, concurrency, async (key) => {
          checkTime('deleting unpublished pages');
          await storage.delete(key, request.signal ? { signal: request.signal } : {});
          deletedKeys.push(key);
        });
      }
      for (const key of site.deletes) objects.delete(key);
    }
    if (hub !== undefined) {
      pendingPings = dueToAnnounce();
    }
    // The site as this run leaves it, and the report a run that finds it so will give without reading a record.
    settled =
      unreadable.size > 0 || changedSinceListed.size > 0
        ? undefined
        : settledState(listingDigest(listedSeeds, objects.values()), settings, now, {
            seeds: summaryBase.articles.seeds,
            published: summaryBase.articles.published,
            feedItems: site.itemCount,
            objects: pagesPublished + site.unchanged.length + site.puts.length + archivePuts.length,
            held: summaryBase.held,
            rejected: summaryBase.rejected,
          });
    // Nothing read, written or deleted and every record as it was: the stored manifest is already
    // right, if it is laid out as this version writes it. One edited by hand (respaced, a record
    // added) is written afresh, or every later run would read it whole instead of its head.
    const same =
      stored !== undefined &&
      storedHead !== undefined &&
      writtenKeys.length === 0 &&
      site.deletes.length === 0 &&
      !site.digestsChanged &&
      sameList(pendingPings, previous.pendingPings) &&
      previous.approvedLeaving === undefined &&
      sameSettled(settled, previous.settled, now) &&
      sameRecords(records, previous.articles);
    const bytes =
      same && !force && stored
        ? stored.body
        : serializeManifest(nextManifest(site.manifest(etags, archivePuts), pendingPings, settled), previous);
    checkTime('writing the manifest');
    if (!dryRun && (force || stored === undefined || (!same && Buffer.compare(bytes, stored.body) !== 0))) {
      // Conditional on the manifest this run read: of two overlapping runs, the later writer fails here.
      ({ etag: manifestEtag } = await storage.put(MANIFEST_KEY, bytes, manifestPutOptions(stored?.etag)));
    }
  } catch (thrown) {
    const error = stopped(thrown);
    // Only the manifest is written with a condition: a page or feed refused with 412 is that
    // object's own failure (a proxy, another store), not another run's.
    const lostRace = error instanceof PreconditionFailedError && error.key === MANIFEST_KEY;
    const message = lostRace
      ? `another publish run wrote ${MANIFEST_KEY} while this one ran; this run's pages and feeds are written, and the next run reconciles both`
      : failureMessage(error);
    const saved = !lostRace && (await saveProgress());
    const approvalWarnings = approvalLeft(saved);
    throw new PublishError(
      message,
      {
        dryRun,
        force,
        ...summaryBase,
        // The articles whose pages are gone: the archive documents deleted with them are none.
        articles: { ...summaryBase.articles, read, unpublished: deletedKeys.filter((key) => key.startsWith(ARTICLES_PREFIX)).length },
        objects: summaryObjects(writtenKeys, deletedKeys.sort(compareStrings), 0),
        warnings: [...warnings, ...site.warnings, ...approvalWarnings],
      },
      { cause: error, carriesOn: error instanceof RunStopped && (saved || dryRun) },
    );
  }

  // The hub hears of the feeds only now, after the manifest that names them as pending is
  // written: a run that fails, times out or is cut off while notifying leaves them there for
  // the next run, so no change goes unannounced, and a slow or failing hub can neither fail the
  // run nor delay the write that completes it. Once the hub has accepted some, the manifest is
  // written again without them; should that write fail, the next run only repeats a
  // notification, which a hub takes as one more reason to fetch the feed.
  const announced =
    hub === undefined || dryRun
      ? undefined
      : await announce(hub, pendingPings, {
          storage,
          fetch: deps.fetch ?? fetch,
          ...(request.signal ? { signal: request.signal } : {}),
          manifestEtag,
          manifestWithout: (failed) => serializeManifest(nextManifest(site.manifest(etags, archivePuts), failed, settled), previous),
        });

  const pagesWritten = writtenKeys.filter((key) => key.startsWith(ARTICLES_PREFIX)).length;
  const rejectedInAll = [...summaryBase.rejected, ...leftOutOfArchives].sort((a, b) => compareStrings(a.file, b.file));
  return {
    dryRun,
    force,
    ...summaryBase,
    rejected: rejectedInAll,
    // Every article that left the site, its page deleted now or gone already.
    articles: { ...summaryBase.articles, read, rejected: rejectedInAll.length, unpublished: leaving.leaving.length },
    feedItems: site.itemCount,
    objects: summaryObjects(
      writtenKeys,
      site.deletes,
      pagesPublished - pagesWritten + site.unchanged.length + keptKeys.filter((key) => !key.startsWith(ARTICLES_PREFIX)).length,
    ),
    warnings: [...warnings, ...site.warnings, ...(announced?.warnings ?? [])],
    ...(announced ? { pings: announced.pings } : {}),
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * What a run reconciles against: the site's root (not its folders, so neither `_publish/` nor a
 * seeds folder kept in the bucket), its article pages and its archives. Three listings, so the
 * bucket policy can let the publisher list no other prefix.
 */
export async function listPublished(storage: Storage, options: { readonly signal?: AbortSignal } = {}): Promise<ListedObject[]> {
  const [root, pages, archives] = await Promise.all([
    storage.list('', { ...options, recursive: false }),
    storage.list(ARTICLES_PREFIX, options),
    storage.list(ARCHIVE_PREFIX, options),
  ]);
  return [...root, ...pages, ...archives];
}

/** Notifies the hub of `due` and records in the manifest which of them it did not accept. Never throws. */
async function announce(
  hub: string,
  due: readonly string[],
  context: {
    storage: Storage;
    fetch: typeof fetch;
    signal?: AbortSignal;
    manifestEtag: string | undefined;
    manifestWithout: (pending: readonly string[]) => Uint8Array;
  },
): Promise<{ pings: PingResult; warnings: string[] }> {
  if (due.length === 0) return { pings: { sent: [], failed: [] }, warnings: [] };
  const later = 'the next run tries again';
  if (context.signal?.aborted) {
    return {
      pings: { sent: [], failed: due.map((url) => ({ url, reason: 'the run was asked to stop' })) },
      warnings: [`WebSub: ${hub} was not notified of ${due.join(', ')}: the run was asked to stop; ${later}`],
    };
  }
  const pings = await pingHub(hub, due, { fetch: context.fetch, ...(context.signal ? { signal: context.signal } : {}) });
  const warnings = pings.failed.map(({ url, reason }) => `WebSub: notifying ${hub} of ${url} failed: ${reason}; ${later}`);
  // Near the deadline the record is left as it is: the accepted ones are only notified again.
  if (pings.sent.length > 0 && !context.signal?.aborted) {
    try {
      // Conditional on the manifest this run wrote: a later run's record is never overwritten.
      await context.storage.put(
        MANIFEST_KEY,
        context.manifestWithout(pings.failed.map(({ url }) => url)),
        manifestPutOptions(context.manifestEtag),
      );
    } catch (error) {
      warnings.push(
        `WebSub: ${hub} accepted ${pings.sent.join(', ')}, but recording that in ${MANIFEST_KEY} failed (${describeError(error)}); the next run notifies them again`,
      );
    }
  }
  return { pings, warnings };
}

/** Every manifest write: never cached, and only over the version the writer knows (or where there is none). */
function manifestPutOptions(knownEtag: string | undefined): PutOptions {
  return {
    contentType: CONTENT_TYPES.manifest,
    cacheControl: 'no-cache',
    ...(knownEtag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: knownEtag }),
  };
}

/**
 * The manifest to write: the site plan's, with the feed URLs still to announce (or none) and the
 * settled state. Never with an approval (approvedLeaving): the run that writes it completed.
 */
function nextManifest(manifest: Manifest, pending: readonly string[], settled: SettledState | undefined): Manifest {
  const { pendingPings: _before, settled: _settled, approvedLeaving: _approved, ...rest } = manifest;
  return { ...rest, ...(pending.length > 0 ? { pendingPings: [...pending] } : {}), ...(settled ? { settled } : {}) };
}

/**
 * The same state, whatever the clock of the run that recorded it, as long as that clock is not
 * ahead of this one's: keeping the older one keeps the manifest's bytes, and a clock set back
 * records its own, so the runs after it are settled again.
 */
function sameSettled(next: SettledState | undefined, before: SettledState | undefined, now: Date): boolean {
  if (next === undefined || before === undefined) return next === before;
  if (Date.parse(before.from) > now.getTime()) return false;
  const { from: _next, ...rest } = next;
  const { from: _before, ...restBefore } = before;
  return JSON.stringify(rest) === JSON.stringify(restBefore);
}

function publishedPages(records: ReadonlyMap<string, ArticleRecord>): number {
  let count = 0;
  for (const record of records.values()) if (record.page !== undefined) count++;
  return count;
}

/** The report of a run that found everything as the last run left it: nothing read, written or deleted. */
function settledRun(
  settled: SettledSummary,
  run: { dryRun: boolean; skipped: readonly SkippedSeed[]; started: number; hub: boolean },
): PublishSummary {
  return {
    dryRun: run.dryRun,
    force: false,
    articles: {
      seeds: settled.seeds,
      read: 0,
      published: settled.published,
      held: settled.held.length,
      rejected: settled.rejected.length,
      unpublished: 0,
    },
    rejected: settled.rejected,
    held: settled.held,
    skipped: run.skipped,
    feedItems: settled.feedItems,
    objects: summaryObjects([], [], settled.objects),
    warnings: [],
    // With a hub: nothing was pending (or the run would not be settled), so nothing was sent.
    ...(run.hub && !run.dryRun ? { pings: { sent: [], failed: [] } } : {}),
    durationMs: Math.round(performance.now() - run.started),
  };
}

/** The same strings in the same order; an absent list is an empty one. */
function sameList(list: readonly string[], before: readonly string[] | undefined): boolean {
  return list.length === (before?.length ?? 0) && list.every((item, index) => item === before?.[index]);
}

/** What a run that stopped or failed says: where it stopped, or what failed. */
function failureMessage(error: unknown): string {
  return error instanceof RunStopped ? error.message : `publishing failed: ${describeError(error)}`;
}

/**
 * The run was asked to stop (`signal`: the Lambda's deadline, Ctrl-C) and did, between two
 * writes. A dry run that stops has written nothing and leaves nothing to carry on: like a run
 * that saved its progress, it is a stop, not a failure, and its summary holds the plan as far
 * as it got.
 */
class RunStopped extends Error {
  constructor(step: string, reason: unknown, dryRun: boolean) {
    const why = reason instanceof Error ? reason.message : String(reason ?? 'asked to stop');
    super(
      dryRun
        ? `stopped before ${step}: ${why}; a dry run: nothing was written, and the summary lists what a run would have written up to here`
        : `stopped before ${step}: ${why}; what was written is consistent, and the next run carries on`,
    );
    this.name = 'RunStopped';
  }
}

function summaryObjects(writtenKeys: readonly string[], deletedKeys: readonly string[], unchanged: number): PublishSummary['objects'] {
  return {
    written: writtenKeys.length,
    unchanged,
    deleted: deletedKeys.length,
    writtenKeys: [...writtenKeys],
    deletedKeys: [...deletedKeys],
  };
}

/** The `date_modified` of an article's JSON item as last published. */
function publishedModified(record: ArticleRecord, settings: PlanSettings): string {
  return itemUpdated(record.updated, new Date(publishedInstant(record.day!, settings.config))).toISOString();
}

/**
 * Whether a JSON feed or archive holds the bytes this publisher last wrote there: its recorded
 * hash of bytes and headers (a feed's input, an archive document's output) under either
 * Cache-Control a JSON document is written with, or, for a record older than that hash, the
 * ETag it was written under. By its bytes, not its ETag alone: a folder copied or `chmod`ed lists
 * its files under new signatures.
 */
function writtenAsRecorded(
  key: string,
  body: Uint8Array,
  record: ObjectRecord | undefined,
  listed: ListedObject | undefined,
  settings: PlanSettings,
): boolean {
  if (record === undefined) return false;
  const hash = key.startsWith(ARCHIVE_PREFIX) ? record.output : record.input;
  if (hash === undefined) return listed?.etag === record.etag;
  return [settings.cacheControl, fullArchiveCacheControl(settings.cacheControl)].some(
    (cacheControl) => writtenHash(CONTENT_TYPES.json, cacheControl, body) === hash,
  );
}

/** A key as the publisher names an article's page. */
function isPageKey(key: string): boolean {
  return key.startsWith(ARTICLES_PREFIX) && key.endsWith('.html') && !key.includes('/', ARTICLES_PREFIX.length);
}

/**
 * Drops the text of articles read this run that cannot be among the feeds' items: only the
 * newest `itemLimit` published of them can, whatever the unread ones are.
 */
function keepNewestTexts(texts: Map<string, EntryText>, records: ReadonlyMap<string, ArticleRecord>, settings: PlanSettings): void {
  // The feeds' items and the newest archive need at most twice the item limit. Below a few
  // thousand articles every text read is kept, so a first publish renders its archives without
  // reading any seed twice; above that, memory stays bounded and older archives re-read theirs.
  const limit = 2 * settings.config.itemLimit;
  if (texts.size <= Math.max(2 * limit, TEXTS_KEPT)) return;
  // Ranked as the feeds and the archives rank them, so the texts kept are the ones they will ask for.
  const withText = new Map<string, ArticleRecord>();
  for (const fileName of texts.keys()) {
    const record = records.get(fileName);
    if (record) withText.set(fileName, record);
  }
  const keep = new Set(
    rankPublished(withText)
      .slice(0, limit)
      .map(({ fileName }) => fileName),
  );
  for (const fileName of [...texts.keys()]) if (!keep.has(fileName)) texts.delete(fileName);
}

function summarize(
  records: ReadonlyMap<string, ArticleRecord>,
  rejections: ReadonlyMap<string, { line: number; reason: string }>,
  settings: PlanSettings,
  now: Date,
): Pick<PublishSummary, 'articles' | 'rejected' | 'held'> {
  const rejected: PublishSummary['rejected'][number][] = [];
  const held: PublishSummary['held'][number][] = [];
  let published = 0;
  let seeds = 0;
  const nowMs = now.getTime();
  for (const [fileName, record] of records) {
    if (record.seed === undefined) continue;
    seeds++;
    if (record.page !== undefined) published++;
    const rejection = rejections.get(fileName) ?? record.rejected;
    if (rejection)
      rejected.push({ file: fileName, line: rejection.line, reason: rejection.reason, keptPublished: record.page !== undefined });
    else if (record.page === undefined && record.day !== undefined && publishedInstant(record.day, settings.config) > nowMs)
      held.push({ file: fileName, date: record.day });
  }
  // Only the short lists are sorted, not the archive.
  rejected.sort((a, b) => compareStrings(a.file, b.file));
  held.sort((a, b) => compareStrings(a.file, b.file));
  return {
    articles: { seeds, read: 0, published, held: held.length, rejected: rejected.length, unpublished: 0 },
    rejected,
    held,
  };
}
