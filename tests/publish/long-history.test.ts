/**
 * Long seeded-random histories of publish runs, checked after every run against what the README
 * promises readers and subscribers. A history mixes what the other history tests keep apart:
 * articles added (today, backdated, or dated ahead and held until due), edited (title, text,
 * date, or only their layout), deleted and restored, renamed, broken and fixed; files named like
 * another but for the case of `.txt` or their Unicode form; itemLimit changed mid-history; the
 * clock moved forward and now and then back; and batches of deletions the unpublish guard refuses
 * until a forced run. A small model of the README's rules says, before each run, what must be
 * published, held and refused. After every run:
 *
 *  - every link in every document a reader can reach (pages, index, feeds, archives) resolves;
 *  - every published article is exactly once in the feed and archive chain of each format (one
 *    whose seed broke, once the manifest keeps no text of it, at most once: README, "a published
 *    seed that stops parsing"), with its current title, text and date, and nothing else is;
 *  - an article's id is its file name's and its page URL never changes, and a URL once given
 *    never names another article; the article pages in the bucket are those of the published
 *    articles;
 *  - an archive once closed keeps its set of items unless one of its own articles changed or
 *    left, an article came into its range, the feeds reached into it, or itemLimit changed;
 *  - `updated` is the publication unless the article's content changed after it, then the
 *    clock of the run that saw the change (README, "Dates");
 *  - no page is deleted while a document a reader can reach links to it;
 *  - the guard refuses exactly the runs that unpublish more than its share, changing no feed;
 *  - a run with no seed change after it writes and deletes nothing.
 *
 * Where a history met a bug, the case is pinned at the end of the file. The random histories run
 * unsteered; `sidestep: true` keeps one clear of those cases, to tell a new fault from them.
 */
import { describe, expect, it } from 'vitest';
import { PublishError, type PublishSummary } from '../../src/publish/publish.js';
import type { Storage } from '../../src/storage/storage.js';
import { archiveDocument } from '../../src/site-files.js';
import type { MemoryStorage } from '../helpers/memory-storage.js';
import { mulberry32 } from '../helpers/prng.js';
import { seed, SITE, testFeedConfig, text } from './support.js';
import { cloneStorage, linkedKeys, memorySite, type Site } from './support-site.js';
import { type DocumentItem, type Format, isDocument, keyOfUrl, parseDocument, reachable } from './site-links.js';

// ---------------------------------------------------------------------------------------------
// Seeds and the model of what a run must publish

const START = new Date('2026-06-01T06:00:00.000Z');
const HOUR = 3_600_000;
const DAY = 86_400_000;
const ID_PREFIX = 'tag:news.example.org,2026:articles/';
const SHARE = 0.2;

interface Article {
  readonly day: string;
  readonly title: string;
  readonly body: string;
}

/** A seed file: an article in one of three layouts (the same article to the parser), or a file that does not parse. */
type SeedState = { readonly article: Article; readonly layout: number } | { readonly broken: number };

function render(state: SeedState): string {
  if ('broken' in state)
    return state.broken % 2 === 0 ? `date 2026-02-30 Broken ${state.broken}\n\nText.\n` : `no header line ${state.broken}\n`;
  const plain = seed(state.article.day, state.article.title, state.article.body);
  if (state.layout === 1) return plain.replaceAll('\n', '\r\n');
  if (state.layout === 2) return `\n${plain.replace('\n\n', '\n\n\n')}  \n\n`;
  return plain;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const instant = (day: string) => Date.parse(`${day}T00:00:00.000Z`);
const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);
/** What an item id is made from: the file name in NFC, without `.txt` in any letter case. */
const idKey = (fileName: string) => fileName.normalize('NFC').replace(/\.txt$/i, '');
const idOf = (fileName: string) => ID_PREFIX + encodeURIComponent(idKey(fileName));

interface Key {
  readonly day: string;
  readonly file: string;
}
/** The ranking: later days first, then file name in byte order. */
const newerFirst = (a: Key, b: Key) => (a.day !== b.day ? (a.day > b.day ? -1 : 1) : compare(a.file, b.file));

/** What the publisher remembers of a seed file: its last good article, whether it was ever published, and when it last changed after that. */
interface FileRecord {
  readonly hash?: string;
  readonly everPublished?: true;
  readonly editedAt?: number;
}

interface Model {
  /** Published files (a page online), with the article they show: a broken seed keeps its last good one. */
  readonly published: ReadonlyMap<string, Article>;
  readonly records: ReadonlyMap<string, FileRecord>;
  /** The files listed in the run. */
  readonly listed: ReadonlySet<string>;
  /**
   * File → the name its record was first made under: a file that took over the record of a
   * file of its id (a rename that keeps the id) is the same article, with the same page.
   */
  readonly identity: ReadonlyMap<string, string>;
}

interface Expectation {
  readonly model: Model;
  /** Published before, not after: deleted, or dated ahead. */
  readonly leaving: readonly string[];
  /** More leave than the guard allows: a run without force must fail. */
  readonly refused: boolean;
  readonly colliders: ReadonlySet<string>;
  readonly held: readonly string[];
  readonly broken: ReadonlySet<string>;
}

/** What a run at `now` over these seeds must do, by the README's rules. */
function expectRun(seeds: ReadonlyMap<string, SeedState>, before: Model, now: number): Expectation {
  // A file with no record of its own takes over the record of a file of its id ever published
  // and not listed now (README, "a rename that keeps the item id"): one listed in the last run
  // first, else the first in byte order; the first such newcomer in byte order takes it.
  const moved = new Map<string, string>();
  for (const name of [...seeds.keys()].filter((file) => !before.records.has(file)).sort(compare)) {
    const candidates = [...before.records.keys()]
      .filter((old) => !seeds.has(old) && !moved.has(old) && idKey(old) === idKey(name) && before.records.get(old)?.everPublished)
      .sort(compare);
    const from = candidates.find((old) => before.listed.has(old)) ?? candidates[0];
    if (from !== undefined) moved.set(from, name);
  }
  const renamed = <T>(map: ReadonlyMap<string, T>) => new Map([...map].map(([name, value]) => [moved.get(name) ?? name, value]));
  const previous: Model = {
    ...before,
    published: renamed(before.published),
    records: renamed(before.records),
  };
  const identity = new Map(before.identity);
  for (const [from, to] of moved) identity.set(to, before.identity.get(from) ?? from);
  for (const name of seeds.keys()) if (!identity.has(name)) identity.set(name, name);
  // An edit date after the clock is dropped (README, "the clock set back").
  const records = new Map<string, FileRecord>(
    [...previous.records].map(([name, { editedAt, ...record }]) => [
      name,
      editedAt !== undefined && editedAt <= now ? { ...record, editedAt } : record,
    ]),
  );
  // One item id, one file: the one published before (held since, or not) keeps it, else the first name in byte order.
  const byId = new Map<string, string[]>();
  for (const name of seeds.keys()) byId.set(idKey(name), [...(byId.get(idKey(name)) ?? []), name]);
  const colliders = new Set<string>();
  for (const names of byId.values()) {
    if (names.length < 2) continue;
    const sorted = [...names].sort(compare);
    const keeper = sorted.find((name) => previous.records.get(name)?.everPublished) ?? sorted[0]!;
    for (const name of sorted) if (name !== keeper) colliders.add(name);
  }
  const published = new Map<string, Article>();
  const held: string[] = [];
  const broken = new Set<string>();
  for (const [name, state] of seeds) {
    if (colliders.has(name)) continue;
    if ('broken' in state) {
      broken.add(name);
      const kept = previous.published.get(name);
      if (kept) published.set(name, kept);
      continue;
    }
    // `updated` moves when the text changes after publication (README, "Dates"), not before.
    const hash = JSON.stringify(state.article);
    const record = records.get(name) ?? {};
    records.set(name, record.hash !== hash && record.everPublished ? { ...record, hash, editedAt: now } : { ...record, hash });
    if (instant(state.article.day) <= now) published.set(name, state.article);
    else held.push(name);
  }
  for (const name of published.keys()) records.set(name, { ...records.get(name), everPublished: true });
  const leaving = [...previous.published.keys()].filter((name) => !published.has(name));
  return {
    model: { published, records, listed: new Set(seeds.keys()), identity },
    leaving,
    refused: leaving.length > Math.floor(previous.published.size * SHARE),
    colliders,
    held: held.sort(compare),
    broken,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the bucket

type Objects = ReadonlyMap<string, { readonly body: Uint8Array }>;

/** The reachable documents, but `target` itself, that link to `target`. */
function linking(objects: Objects, target: string): string[] {
  return [...reachable(objects)].filter(([key, targets]) => key !== target && targets.has(target)).map(([key]) => key);
}

const FEEDS: Record<Format, string> = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' };

/** One document of a chain: its key and its items. */
interface ChainDocument {
  readonly key: string;
  readonly items: readonly DocumentItem[];
}

/** The documents a reader meets from a feed through its older archives, newest first. */
function chain(objects: Objects, format: Format): { documents: ChainDocument[]; problems: string[] } {
  const documents: ChainDocument[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (let key: string | undefined = FEEDS[format]; key !== undefined; ) {
    if (seen.has(key)) {
      problems.push(`${format}: the chain comes back to ${key}`);
      break;
    }
    seen.add(key);
    const object = objects.get(key);
    if (object === undefined) {
      problems.push(`${format}: the chain links to ${key}, which is not in the bucket`);
      break;
    }
    const { items, older } = parseDocument(format, text(object.body));
    documents.push({ key, items });
    key = older === undefined ? undefined : keyOfUrl(older, SITE);
  }
  return { documents, problems };
}

// ---------------------------------------------------------------------------------------------
// What one published state shows, and the checks

/** A published state as the checks of the next one need it. */
interface Observation {
  readonly itemLimit: number;
  /** Archive pages, oldest first, as the files of their items. */
  readonly pages: readonly (readonly string[])[];
  readonly window: ReadonlySet<string>;
  /** Every file in the chain, with what its item shows. */
  readonly visible: ReadonlyMap<string, { readonly day: string; readonly shown: string }>;
}

interface Permalinks {
  /** Article (the file name its record was first made under) → page URL, for good. */
  readonly urlOf: Map<string, string>;
  /** Page URL → article, for good. */
  readonly fileOf: Map<string, string>;
}

const expectedModified = (file: string, article: Article, model: Model) => {
  const editedAt = model.records.get(file)?.editedAt;
  return new Date(editedAt !== undefined && editedAt > instant(article.day) ? editedAt : instant(article.day)).toISOString();
};

/** Every promise about one published state; each broken one in words. `previous`: the state before, for the archives. */
function check(
  objects: Objects,
  expectation: Expectation,
  itemLimit: number,
  permalinks: Permalinks,
  previous: Observation | undefined,
): { problems: string[]; observation: Observation } {
  const problems: string[] = [];
  const { model, broken } = expectation;
  const fileOfId = new Map([...model.published.keys()].map((file) => [idOf(file), file]));
  // A broken seed's last good version stays in the chain while the manifest keeps its text: it
  // was among the feeds' items or in the newest archive (README, "a published seed that stops parsing").
  const textKept = (file: string) =>
    previous !== undefined && (previous.window.has(file) || previous.pages.at(-1)?.includes(file) === true);

  // Every link in every document a reader can reach resolves.
  const reached = reachable(objects);
  for (const [key, targets] of reached)
    for (const target of targets) if (!objects.has(target)) problems.push(`${key} links to ${target}, which is not in the bucket`);
  // And every archive document in the bucket is reached: one numbered beyond the archive would
  // still serve what was unpublished since.
  for (const key of objects.keys())
    if (archiveDocument(key) !== undefined && !reached.has(key)) problems.push(`${key} is in the bucket, but no feed leads to it`);
  for (const key of linkedKeys(objects)) if (!objects.has(key)) problems.push(`the feeds or the index link to ${key}, not in the bucket`);

  // Each format's chain: every published article once, as its seed now says, and nothing else.
  const partitions: Partial<Record<Format, string>> = {};
  let json: ChainDocument[] = [];
  for (const format of ['json', 'rss', 'atom'] as const) {
    const walked = chain(objects, format);
    problems.push(...walked.problems);
    const say = (problem: string) => problems.push(`${format}: ${problem}`);
    const counts = new Map<string, number>();
    for (const document of walked.documents)
      for (const item of document.items) {
        counts.set(item.id, (counts.get(item.id) ?? 0) + 1);
        const file = fileOfId.get(item.id);
        if (file === undefined) {
          say(`${document.key} lists ${item.id}, which is not published`);
          continue;
        }
        const article = model.published.get(file)!;
        if (item.title !== article.title) say(`${document.key} titles ${file} "${item.title}", not "${article.title}"`);
        if (!item.content.includes(article.body)) say(`${document.key} has other text for ${file}: ${item.content}`);
        // A page belongs to an article for good: to the file its record was first made under.
        const who = model.identity.get(file) ?? file;
        const earlier = permalinks.urlOf.get(who);
        if (earlier !== undefined && earlier !== item.url) say(`${file} moved from ${earlier} to ${item.url} (${document.key})`);
        const owner = permalinks.fileOf.get(item.url);
        if (owner !== undefined && owner !== who) say(`${item.url}, once ${owner}'s, now links ${file} (${document.key})`);
        permalinks.urlOf.set(who, item.url);
        permalinks.fileOf.set(item.url, who);
        if (format !== 'json') continue;
        const published = new Date(instant(article.day)).toISOString();
        if (item.published !== published) say(`${document.key} dates ${file} ${item.published}, not ${published}`);
        const modified = expectedModified(file, article, model);
        if (item.modified !== modified) say(`${document.key} gives ${file} the update date ${item.modified}, not ${modified}`);
      }
    for (const [id, count] of counts) if (count > 1) say(`${id} is listed ${count} times`);
    for (const file of model.published.keys())
      if (!counts.has(idOf(file)) && (!broken.has(file) || textKept(file))) say(`${file} is published but in no document of the chain`);
    partitions[format] = JSON.stringify(walked.documents.map((document) => document.items.map((item) => item.id).sort()));
    if (format === 'json') json = walked.documents;
  }
  if (partitions.json !== partitions.rss || partitions.json !== partitions.atom) problems.push('the formats cut the archive differently');

  // The feeds hold the newest itemLimit of the chain; the index the same articles.
  const [feed, ...archives] = json;
  const keyOf = (item: DocumentItem): Key => ({ day: item.published.slice(0, 10), file: fileOfId.get(item.id) ?? item.id });
  const all = json.flatMap((document) => document.items.map(keyOf)).sort(newerFirst);
  const window = new Set((feed?.items ?? []).map((item) => keyOf(item).file));
  const newest = new Set(all.slice(0, itemLimit).map(({ file }) => file));
  if ([...window].sort().join() !== [...newest].sort().join())
    problems.push(`the feeds hold ${[...window].join(', ')}, not the newest ${[...newest].join(', ')}`);
  const indexLinks = [...text(objects.get('index.html')?.body ?? new Uint8Array()).matchAll(/href="(articles\/[^"]+)"/g)].map(
    (match) => SITE + match[1]!,
  );
  const feedUrls = (feed?.items ?? []).map((item) => item.url);
  if ([...indexLinks].sort().join() !== [...feedUrls].sort().join()) problems.push('the index lists other articles than the feeds');

  // Pages: one for each published article, none for any other.
  const pages = new Set<string>();
  for (const file of model.published.keys()) {
    const url = permalinks.urlOf.get(model.identity.get(file) ?? file);
    if (url === undefined) problems.push(`${file} is published, yet no document ever linked its page`);
    else pages.add(keyOfUrl(url, SITE)!);
  }
  for (const key of objects.keys())
    if (key.startsWith('articles/') && !pages.has(key)) problems.push(`${key} is in the bucket, the page of no published article`);
  for (const key of pages) if (!objects.has(key)) problems.push(`${key}, a published article's page, is not in the bucket`);

  const observation: Observation = {
    itemLimit,
    pages: archives.reverse().map((document) => document.items.map((item) => keyOf(item).file)),
    window,
    visible: new Map(
      json.flatMap((document) =>
        document.items.map((item) => [keyOf(item).file, { day: keyOf(item).day, shown: JSON.stringify(item)! }] as const),
      ),
    ),
  };
  if (previous) problems.push(...closedArchiveProblems(previous, observation, broken));
  return { problems, observation };
}

/**
 * An archive page once closed (every one but the newest) keeps its set of items unless one of
 * them changed or left, an article came into its range (between its neighbours), the feeds now
 * hold one of them (newer articles left), a page swelled past twice the size (the archive
 * starts afresh), or itemLimit changed.
 */
function closedArchiveProblems(before: Observation, after: Observation, broken: ReadonlySet<string>): string[] {
  if (before.itemLimit !== after.itemLimit) return [];
  const changed = new Set<string>();
  for (const [file, shown] of before.visible) if (after.visible.get(file)?.shown !== shown.shown) changed.add(file);
  const arrived: Key[] = [];
  for (const [file, shown] of after.visible) if (before.visible.get(file)?.day !== shown.day) arrived.push({ day: shown.day, file });
  const keys = (files: readonly string[]) => files.map((file) => ({ day: before.visible.get(file)!.day, file })).sort(newerFirst);
  const closed = before.pages.slice(0, -1);
  // Between the newest article of the page before and the oldest of the page after (or of the feeds).
  const inRange = (index: number) => {
    const lower = index > 0 ? keys(before.pages[index - 1]!)[0]! : undefined;
    const upper = keys(index + 1 < before.pages.length ? before.pages[index + 1]! : [...before.window]).at(-1)!;
    return arrived.filter((key) => (lower === undefined || newerFirst(key, lower) < 0) && newerFirst(key, upper) > 0).length;
  };
  if (before.pages.some((files, index) => files.length + inRange(index) > 2 * before.itemLimit)) return [];
  const problems: string[] = [];
  const pagesAfter = after.pages.map((files) => [...files].sort().join());
  closed.forEach((files, index) => {
    if (files.some((file) => changed.has(file) || broken.has(file) || after.window.has(file)) || inRange(index) > 0) return;
    if (!pagesAfter.includes([...files].sort().join()))
      problems.push(
        `closed archive ${index + 1} [${files.join(', ')}] changed its items to [${after.pages[index]?.join(', ') ?? 'nothing'}]`,
      );
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// A history: seeds, settings and clock changed between runs, every run checked

/** The site's storage, with a check at each delete that no document in the bucket links to the page. */
function watchingDeletes(site: MemoryStorage, problems: string[]): Storage {
  return {
    get: (key) => site.get(key),
    list: (prefix, options) => site.list(prefix, options),
    put: (key, body, options) => site.put(key, body, options),
    delete: async (key) => {
      const from = linking(site.objects, key);
      if (from.length > 0) problems.push(`${key} was deleted while ${from.join(', ')} linked to it`);
      return site.delete(key);
    },
  };
}

const documentsOf = (objects: Objects) =>
  JSON.stringify([...objects].filter(([key]) => isDocument(key) && !key.startsWith('articles/')).map(([key, o]) => [key, text(o.body)]));

class History {
  readonly seeds = new Map<string, SeedState>();
  readonly site: Site;
  model: Model = { published: new Map(), records: new Map(), listed: new Set(), identity: new Map() };
  readonly permalinks: Permalinks = { urlOf: new Map(), fileOf: new Map() };
  observation: Observation | undefined;
  /** What happened, for the messages. */
  readonly log: string[] = [];
  runs = 0;
  /** Runs the guard refused (each followed by a forced run). */
  refusals = 0;

  constructor(itemLimit: number, now = START) {
    this.site = memorySite({}, { now, config: testFeedConfig({ itemLimit }), maxUnpublishShare: SHARE });
  }

  get now(): number {
    return this.site.now.getTime();
  }
  get itemLimit(): number {
    return this.site.settings.config.itemLimit;
  }

  async write(name: string, state: SeedState): Promise<void> {
    this.seeds.set(name, state);
    await this.site.writeSeed(name, render(state));
    this.log.push('broken' in state ? `break ${name}` : `write ${name} ${JSON.stringify(state.article)}${state.layout ? ' (relaid)' : ''}`);
  }

  async delete(name: string): Promise<void> {
    this.seeds.delete(name);
    await this.site.deleteSeed(name);
    this.log.push(`delete ${name}`);
  }

  setClock(time: number): void {
    this.site.now = new Date(time);
    this.log.push(`clock ${this.site.now.toISOString()}`);
  }

  setItemLimit(itemLimit: number): void {
    this.site.settings = { ...this.site.settings, config: testFeedConfig({ itemLimit }) };
    this.log.push(`itemLimit ${itemLimit}`);
  }

  /** What a run now must do. */
  expectation(): Expectation {
    return expectRun(this.seeds, this.model, this.now);
  }

  /**
   * One run as a plain scheduled run would go, checked; when the guard must refuse it, the
   * refusal is checked and a forced run follows. Then a run with nothing changed. The problems, with where.
   */
  async run(): Promise<string[]> {
    const where = `run ${++this.runs} after [${this.log.splice(0).join('; ')}]`;
    const problems: string[] = [];
    const expectation = this.expectation();
    const before = documentsOf(this.site.site.objects);
    const pagesBefore = [...this.site.site.objects.keys()].filter((key) => key.startsWith('articles/'));
    let summary: PublishSummary | undefined;
    let error: unknown;
    try {
      summary = await this.site.run({}, watchingDeletes(this.site.site, problems));
    } catch (thrown) {
      error = thrown;
    }
    const refusal = error instanceof PublishError && /UNPUBLISH_MAX_SHARE/.test(error.message);
    if (error !== undefined && !refusal) return [`${where}: the run failed: ${String(error)}`];
    if (expectation.refused !== refusal)
      problems.push(
        expectation.refused
          ? `the guard let ${expectation.leaving.length} of ${this.model.published.size} leave: ${expectation.leaving.join(', ')}`
          : `the guard refused ${expectation.leaving.length} of ${this.model.published.size} leaving: ${String(error)}`,
      );
    if (refusal) {
      this.refusals++;
      if (documentsOf(this.site.site.objects) !== before) problems.push('a refused run changed the index, the feeds or the archives');
      const gone = pagesBefore.filter((key) => !this.site.site.objects.has(key));
      if (gone.length > 0) problems.push(`a refused run deleted ${gone.join(', ')}`);
      try {
        summary = await this.site.run({ force: true }, watchingDeletes(this.site.site, problems));
      } catch (thrown) {
        return [...problems, `the forced run failed: ${String(thrown)}`].map((problem) => `${where}: ${problem}`);
      }
    }
    const checked = check(this.site.site.objects, expectation, this.itemLimit, this.permalinks, this.observation);
    problems.push(...checked.problems);
    this.observation = checked.observation;
    this.model = expectation.model;
    // The report names what is held and what is refused.
    const held = summary!.held.map(({ file }) => file);
    if (held.join() !== expectation.held.join()) problems.push(`held: ${held.join(', ')}, not ${expectation.held.join(', ')}`);
    const rejected = summary!.rejected.map(({ file }) => file).sort(compare);
    const refused = [...expectation.colliders, ...expectation.broken].sort(compare);
    if (rejected.join() !== refused.join()) problems.push(`rejected: ${rejected.join(', ')}, not ${refused.join(', ')}`);

    // Nothing changed: nothing written or deleted, a little later too, while no held article falls due.
    const dues = [...this.seeds.values()].flatMap((state) =>
      'article' in state && instant(state.article.day) > this.now ? [instant(state.article.day)] : [],
    );
    const later = Math.min(this.now + HOUR, ...dues.map((due) => due - 1));
    const state = JSON.stringify([...this.site.site.objects].map(([key, object]) => [key, object.etag]));
    this.site.now = new Date(later);
    try {
      const again = await this.site.run({}, watchingDeletes(this.site.site, problems));
      if (again.objects.written + again.objects.deleted > 0)
        problems.push(
          `a run with nothing changed wrote ${again.objects.writtenKeys.join(', ')}; deleted ${again.objects.deletedKeys.join(', ')}`,
        );
    } catch (thrown) {
      problems.push(`a run with nothing changed failed: ${String(thrown)}`);
    }
    if (JSON.stringify([...this.site.site.objects].map(([key, object]) => [key, object.etag])) !== state)
      problems.push('a run with nothing changed changed the bucket (or the manifest)');
    return problems.map((problem) => `${where}${refusal ? ' (refused, then forced)' : ''}: ${problem}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Random histories

const TITLES = ['Harbour news', 'Council vote', 'Bridge opens', 'Market report'];
const STEMS = ['harbour', 'council', 'bridge', 'caf\u00e9', 'market', 'zeta'];

/** A file named as `name` is to the publisher, other bytes: another case of `.txt`, or the other Unicode form. */
function lookAlike(name: string, random: () => number): string {
  const stem = name.replace(/\.txt$/i, '');
  const composed = stem.normalize('NFC');
  if (composed !== composed.normalize('NFD') && random() < 0.6) {
    const other = stem === composed ? composed.normalize('NFD') : composed;
    return `${other}${name.slice(stem.length)}`;
  }
  const extension = ['.txt', '.TXT', '.Txt', '.tXt'].filter((candidate) => candidate !== name.slice(stem.length));
  return stem + extension[Math.floor(random() * extension.length)]!;
}

/**
 * A random history of `steps` steps, each one run (or a refused run and a forced one) checked.
 * `sidestep` keeps it clear of the cases pinned at the end: no edit of an article before
 * its first publication (its `updated` would move), no published file with a look-alike dated
 * ahead (the look-alike would wait a run too many), and the clock set back only in a run of its
 * own and not before the edit date of an article that is broken or has a look-alike (that
 * article would leave the site).
 */
async function randomHistory(seedValue: number, steps: number, { sidestep = false }: { sidestep?: boolean } = {}): Promise<string[]> {
  const random = mulberry32(seedValue);
  const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const pick = <T>(values: readonly T[]): T => values[int(0, values.length - 1)]!;
  const history = new History(int(2, 4));
  const gone = new Map<string, SeedState>();
  /** The last good article of each file, to fix a broken one as it was. */
  const lastGood = new Map<string, Article>();
  let counter = 0;
  let version = 0;
  const freshName = () => `${pick(STEMS)}-${++counter}.txt`;
  const body = (name: string) => `Paragraph ${++version} of ${name.normalize('NFC')}.`;
  const pastDay = () => dayOf(history.now - int(0, 90) * DAY);
  const aheadDay = () => dayOf(history.now + int(1, 4) * DAY);
  /** Writes a seed; sidestepping, the text of an article never published stays as first read. */
  const write = async (name: string, wanted: SeedState) => {
    const record = history.model.records.get(name);
    const state: SeedState =
      sidestep && 'article' in wanted && record?.hash !== undefined && !record.everPublished
        ? { article: JSON.parse(record.hash) as Article, layout: wanted.layout }
        : wanted;
    if ('article' in state) lastGood.set(name, state.article);
    gone.delete(name);
    await history.write(name, state);
  };
  /** Sidestepping, a published file with a look-alike beside it is not dated ahead. */
  const hasTwin = (name: string) =>
    sidestep &&
    history.model.published.has(name) &&
    [...history.seeds.keys()].some((other) => other !== name && idKey(other) === idKey(name));
  const remove = async (name: string) => {
    gone.set(name, history.seeds.get(name)!);
    await history.delete(name);
  };
  const listed = (predicate: (name: string, state: SeedState) => boolean = () => true) =>
    [...history.seeds].filter(([name, state]) => predicate(name, state)).map(([name]) => name);
  const articleOf = (name: string): Article | undefined => {
    const state = history.seeds.get(name);
    return state && 'article' in state ? state.article : undefined;
  };

  for (let n = int(8, 14); n > 0; n--) {
    const name = freshName();
    await write(name, { article: { day: pastDay(), title: pick(TITLES), body: body(name) }, layout: 0 });
  }
  const problems = await history.run();

  for (let step = 0; step < steps && problems.length === 0; step++) {
    const kind = random();
    if (sidestep && kind < 0.04) {
      // The clock set back, in a run of its own, not before the day of an article already
      // published, nor before the edit date of one that is broken or has a look-alike.
      const floor = Math.max(
        ...[...history.model.published].map(([name, published]) => {
          const editedAt = history.model.records.get(name)?.editedAt ?? 0;
          const state = history.seeds.get(name);
          return Math.max(instant(published.day), state && ('broken' in state || hasTwin(name)) ? editedAt : 0);
        }),
      );
      history.setClock(Math.max(floor, history.now - int(1, 30) * HOUR));
      problems.push(...(await history.run()));
      continue;
    }
    const operations = kind < 0.1 ? 0 : int(1, 3);
    if (operations === 0) {
      // A batch the guard is there for: a third or more of the published articles deleted, or dated ahead.
      const published = [...history.model.published.keys()].filter((name) => history.seeds.has(name));
      const ahead = random() < 0.4;
      const count = Math.min(Math.ceil(published.length * (0.3 + random() * 0.2)), published.length - 2);
      for (const name of published.slice(0, Math.max(0, count))) {
        const article = articleOf(name);
        if (ahead && article && !hasTwin(name)) await write(name, { article: { ...article, day: aheadDay() }, layout: 0 });
        else await remove(name);
      }
    }
    for (let n = 0; n < operations; n++) {
      const undo = new Map(history.seeds);
      const roll = random();
      const good = listed((_, state) => 'article' in state);
      const name = good.length > 0 ? pick(good) : undefined;
      const article = name === undefined ? undefined : articleOf(name);
      if (roll < 0.16 || name === undefined || article === undefined) {
        const fresh = freshName();
        const when = random();
        const day = when < 0.35 ? dayOf(history.now) : when < 0.8 ? pastDay() : aheadDay();
        await write(fresh, { article: { day, title: pick(TITLES), body: body(fresh) }, layout: 0 });
      } else if (roll < 0.26) {
        await write(name, { article: { ...article, body: body(name) }, layout: 0 });
      } else if (roll < 0.33) {
        await write(name, { article: { ...article, title: pick(TITLES.filter((title) => title !== article.title)) }, layout: 0 });
      } else if (roll < 0.4) {
        const when = random();
        const day = when < 0.15 && !hasTwin(name) ? aheadDay() : when < 0.5 ? dayOf(history.now) : pastDay();
        await write(name, { article: { ...article, day }, layout: 0 });
      } else if (roll < 0.45) {
        await write(name, { article, layout: int(1, 2) });
      } else if (roll < 0.54) {
        await remove(pick(listed()));
      } else if (roll < 0.59 && gone.size > 0) {
        const back = pick([...gone.keys()]);
        const state = gone.get(back)!;
        await write(back, 'article' in state && random() < 0.5 ? { article: { ...state.article, body: body(back) }, layout: 0 } : state);
      } else if (roll < 0.64) {
        await remove(name);
        await write(freshName(), { article, layout: 0 });
      } else if (roll < 0.71) {
        await write(name, { broken: ++version });
      } else if (roll < 0.77) {
        const broken = listed((_, state) => 'broken' in state);
        const fix = broken.length > 0 ? pick(broken) : name;
        const last = lastGood.get(fix) ?? article;
        await write(fix, { article: random() < 0.5 ? last : { ...last, body: body(fix) }, layout: 0 });
      } else if (roll < 0.83) {
        const twin = lookAlike(pick(listed()), random);
        if (!history.seeds.has(twin))
          await write(twin, {
            article: { day: random() < 0.7 ? pastDay() : aheadDay(), title: pick(TITLES), body: body(twin) },
            layout: 0,
          });
      } else if (roll < 0.87) {
        history.setItemLimit(pick([2, 3, 4, 5].filter((limit) => limit !== history.itemLimit)));
      } else if (sidestep || roll < 0.97) {
        history.setClock(history.now + pick([1, 6, 20]) * HOUR + int(0, 2) * DAY);
      } else {
        // Back, but not before the day of an article already published.
        const floor = Math.max(...[...history.model.published.values()].map((published) => instant(published.day)));
        history.setClock(Math.max(floor, history.now - int(1, 30) * HOUR));
      }
      // Some article stays published: a run with none fails by design.
      if (history.expectation().model.published.size < 2) {
        for (const key of [...history.seeds.keys()]) if (!undo.has(key)) await history.delete(key);
        for (const [key, state] of undo) if (history.seeds.get(key) !== state) await history.write(key, state);
        history.log.push('(undone)');
      }
    }
    problems.push(...(await history.run()));
  }
  return problems;
}

const SEEDS = Array.from({ length: 16 }, (_, index) => 4242 + 104_729 * index);
const STEPS = 45;

describe('long seeded-random histories of publish runs', () => {
  it.each(SEEDS)(
    'keep links, ids, permalinks, closed archives, edit dates and idle runs as the README promises through 45 runs (seed %i)',
    async (seedValue) => {
      // Prepare, Act: a random history, each run checked against the model and the run before it.
      const problems = await randomHistory(seedValue, STEPS);

      // Assess
      expect(problems).toEqual([]);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Scripted histories: combinations the other history tests leave out, with every check above

const article = (day: string, title: string, body: string): SeedState => ({ article: { day, title, body }, layout: 0 });
/** `count` articles, one a day from 2026-05-01, named n01.txt …, with a few titles so that slugs must differ. */
async function startWith(history: History, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) {
    const name = `n${String(n).padStart(2, '0')}.txt`;
    await history.write(name, article(dayOf(Date.UTC(2026, 4, n)), TITLES[n % TITLES.length]!, `Text of ${name}.`));
  }
}
const sizes = (history: History) => history.observation!.pages.map((files) => files.length);

describe('scripted histories of publish runs', () => {
  it('re-cut the archive only in the run that changes itemLimit, then keep each closed page while articles arrive at the top and back in time', async () => {
    // Prepare
    const history = new History(3);
    await startWith(history, 12);
    const problems = await history.run();
    const cut = [sizes(history)];

    // Act
    history.setItemLimit(2);
    problems.push(...(await history.run()));
    cut.push(sizes(history));
    await history.write('top.txt', article('2026-06-01', 'Harbour news', 'Text of top.'));
    problems.push(...(await history.run()));
    await history.write('back.txt', article('2026-05-02', 'Council vote', 'Text of back.'));
    problems.push(...(await history.run()));
    history.setItemLimit(4);
    problems.push(...(await history.run()));
    cut.push(sizes(history));
    await history.write('top-2.txt', article('2026-06-01', 'Market report', 'Text of top-2.'));
    await history.delete('n03.txt');
    problems.push(...(await history.run()));

    // Assess: pages of 3, then of 2, then of 4; the closed ones checked after every run.
    expect(problems).toEqual([]);
    expect(cut).toEqual([
      [3, 3, 3],
      [2, 2, 2, 2, 2],
      [4, 4, 2],
    ]);
  });

  it('give an item id to one file at a time as look-alike names (.TXT, NFD) appear and disappear, the id keeping its page as files take it over', async () => {
    // Prepare
    const history = new History(3);
    await startWith(history, 6);
    await history.write('a.txt', article('2026-05-10', 'Harbour news', 'Text of a.'));
    await history.write('caf\u00e9.txt', article('2026-05-11', 'Council vote', 'Text of the composed café.'));
    const problems = await history.run();

    // Act: look-alikes arrive (refused), the published ones go (the look-alikes take over their records), and come back.
    await history.write('a.TXT', article('2026-05-12', 'Harbour news', 'Text of A.'));
    await history.write('cafe\u0301.txt', article('2026-05-13', 'Council vote', 'Text of the decomposed café.'));
    problems.push(...(await history.run()));
    await history.delete('a.txt');
    problems.push(...(await history.run()));
    await history.write('a.txt', article('2026-05-10', 'Harbour news', 'Text of a.'));
    await history.delete('caf\u00e9.txt');
    problems.push(...(await history.run()));
    await history.delete('a.TXT');
    problems.push(...(await history.run()));

    // Assess
    expect(problems).toEqual([]);
    expect([...history.model.published.keys()].filter((name) => !name.startsWith('n')).sort()).toEqual(['a.txt', 'cafe\u0301.txt']);
    // Each id kept the page of its first file, whichever file holds it: no second page was ever made.
    expect(Object.fromEntries([...history.permalinks.urlOf].filter(([name]) => !name.startsWith('n')))).toEqual({
      'a.txt': `${SITE}articles/2026-05-10-harbour-news.html`,
      'caf\u00e9.txt': `${SITE}articles/2026-05-11-council-vote.html`,
    });
  });

  it('refuse a batch of deletions, then a batch dated ahead, changing no feed; each forced run then unpublishes exactly those', async () => {
    // Prepare
    const history = new History(3);
    await startWith(history, 10);
    const problems = await history.run();

    // Act
    for (const name of ['n02.txt', 'n05.txt', 'n09.txt']) await history.delete(name);
    problems.push(...(await history.run()));
    for (const name of ['n01.txt', 'n07.txt']) {
      const state = history.seeds.get(name) as { article: Article };
      await history.write(name, article('2026-06-20', state.article.title, state.article.body));
    }
    problems.push(...(await history.run()));

    // Assess
    expect(problems).toEqual([]);
    expect(history.refusals).toBe(2);
    expect([...history.model.published.keys()].sort()).toEqual(['n03.txt', 'n04.txt', 'n06.txt', 'n08.txt', 'n10.txt']);
  });

  it('publish a held article in the run that takes others out of the feeds and the archives, moving no closed page', async () => {
    // Prepare
    const history = new History(2);
    await startWith(history, 10);
    await history.write('later.txt', article('2026-06-03', 'Weather warning', 'Text of later.'));
    const problems = await history.run();
    const held = history.expectation().held;

    // Act
    history.setClock(Date.parse('2026-06-03T06:00:00.000Z'));
    await history.delete('n10.txt');
    await history.delete('n06.txt');
    problems.push(...(await history.run()));

    // Assess
    expect(problems).toEqual([]);
    expect(held).toEqual(['later.txt']);
    expect([...history.observation!.window].sort()).toEqual(['later.txt', 'n09.txt']);
  });
});

// ---------------------------------------------------------------------------------------------
// Cases found, each with the seed of the history that met it (the histories above run them all).

const T0 = new Date('2026-06-01T06:00:00.000Z');
const T1 = new Date('2026-06-03T06:00:00.000Z');
/** Before T1, after every article's day. */
const BACK = new Date('2026-06-03T05:00:00.000Z');

function sixAnd(extra: Record<string, string>): Record<string, string> {
  const files: Record<string, string> = { ...extra };
  for (let n = 1; n <= 6; n++) files[`n${n}.txt`] = seed(`2026-05-0${n}`, `Note ${n}`, `Text of note ${n}.`);
  return files;
}
const feedItems = (site: Site) =>
  (JSON.parse(text(site.site.objects.get('feed.json')!.body)) as { items: { id: string; url: string; title: string }[] }).items;

describe('the clock set back before an edit date the manifest records', () => {
  it('keeps the published file’s item id and page when a look-alike file waits beside it', async () => {
    // Prepare: a.txt published, then a.TXT (refused), then a.txt edited at T1.
    const site = memorySite(sixAnd({ 'a.txt': seed('2026-05-10', 'Harbour news', 'Text of a.') }), { now: T0 });
    await site.run();
    await site.writeSeed('a.TXT', seed('2026-05-12', 'Council vote', 'Text of A.'));
    await site.run();
    site.now = T1;
    await site.writeSeed('a.txt', seed('2026-05-10', 'Harbour news', 'Text of a, corrected.'));
    await site.run();

    // Act
    site.now = BACK;
    const summary = await site.run();

    // Assess
    const item = feedItems(site).find((entry) => entry.id === 'tag:news.example.org,2026:articles/a');
    expect(item).toMatchObject({ url: `${SITE}articles/2026-05-10-harbour-news.html`, title: 'Harbour news' });
    expect(summary.rejected.map(({ file }) => file)).toEqual(['a.TXT']);
  });

  it('deletes the page of an article whose seed is deleted in that run', async () => {
    // Prepare: a.txt published, then edited at T1.
    const site = memorySite(sixAnd({ 'a.txt': seed('2026-05-10', 'Harbour news', 'Text of a.') }), { now: T0 });
    await site.run();
    site.now = T1;
    await site.writeSeed('a.txt', seed('2026-05-10', 'Harbour news', 'Text of a, corrected.'));
    await site.run();
    await site.deleteSeed('a.txt');

    // Act: the run with the clock set back, then one on the right clock.
    site.now = BACK;
    await site.run();
    site.now = new Date('2026-06-04T06:00:00.000Z');
    await site.run();

    // Assess
    expect(site.site.objects.has('articles/2026-05-10-harbour-news.html')).toBe(false);
  });

  it('keeps the last good version of a seed that broke online', async () => {
    // Prepare: a.txt published, edited at T1, then broken.
    const site = memorySite(sixAnd({ 'a.txt': seed('2026-05-10', 'Harbour news', 'Text of a.') }), { now: T0 });
    await site.run();
    site.now = T1;
    await site.writeSeed('a.txt', seed('2026-05-10', 'Harbour news', 'Text of a, corrected.'));
    await site.run();
    await site.writeSeed('a.txt', 'no header line\n');
    await site.run();

    // Act
    site.now = BACK;
    const summary = await site.run();

    // Assess
    expect(feedItems(site).map((entry) => entry.title)).toContain('Harbour news');
    expect(summary.rejected).toEqual([expect.objectContaining({ file: 'a.txt', keptPublished: true })]);
  });
});

describe('a published file dated ahead while a look-alike waits beside it', () => {
  it('publishes the same articles on the run after, whether it stops at the settled state or reads every record', async () => {
    // Prepare: a.txt published, a.TXT refused, then a.txt dated ahead.
    const site = memorySite(sixAnd({ 'a.txt': seed('2026-05-10', 'Harbour news', 'Text of a.') }), { now: T0 });
    await site.run();
    await site.writeSeed('a.TXT', seed('2026-05-12', 'Council vote', 'Text of A.'));
    await site.run();
    await site.writeSeed('a.txt', seed('2026-06-20', 'Harbour news', 'Text of a.'));
    await site.run();
    const settledCopy = cloneStorage(site.site);
    const fullCopy = cloneStorage(site.site);

    // Act
    await site.run({}, settledCopy);
    await site.run({ force: true }, fullCopy);

    // Assess
    const titles = (storage: MemoryStorage) =>
      (JSON.parse(text(storage.objects.get('feed.json')!.body)) as { items: { title: string }[] }).items.map((item) => item.title);
    expect(titles(settledCopy)).toEqual(titles(fullCopy));
  });
});

describe('an article edited while it was held', () => {
  it('goes out with its publication as its update date: no reader saw the text before', async () => {
    // Prepare: read once while held, then edited.
    const site = memorySite(sixAnd({ 'later.txt': seed('2026-06-02', 'Scheduled', 'First draft.') }), { now: T0 });
    await site.run();
    await site.writeSeed('later.txt', seed('2026-06-02', 'Scheduled', 'Final text.'));

    // Act: the run after its day has come.
    site.now = new Date('2026-06-02T01:00:00.000Z');
    await site.run();

    // Assess
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as {
      items: { title: string; date_published: string; date_modified: string }[];
    };
    expect(feed.items.find((item) => item.title === 'Scheduled')).toMatchObject({
      date_published: '2026-06-02T00:00:00.000Z',
      date_modified: '2026-06-02T00:00:00.000Z',
    });
  });
});

describe('a broken seed whose edit date the clock was set back before', () => {
  it('stays published from the page in the bucket when no text of it is kept to make that page again', async () => {
    // Prepare: four articles, one item a feed, so the oldest keeps no text; it is edited, then breaks.
    const files: Record<string, string> = {};
    for (const [index, name] of ['a', 'b', 'c', 'd'].entries())
      files[`${name}.txt`] = seed(`2026-03-0${index + 1}`, `Note ${name}`, `Text of ${name}.`);
    const site = memorySite(files, { now: new Date('2026-04-01T00:00:00.000Z'), config: testFeedConfig({ itemLimit: 1 }) });
    await site.run();
    site.now = new Date('2026-05-01T00:00:00.000Z');
    await site.writeSeed('a.txt', seed('2026-03-01', 'Note a', 'Text of a, corrected.'));
    await site.run();
    site.now = new Date('2026-05-02T00:00:00.000Z');
    await site.writeSeed('a.txt', 'no header any more\n');
    await site.run();
    const page = [...site.site.objects.keys()].find((key) => key.startsWith('articles/2026-03-01-'))!;

    // Act: the clock set back before a's edit date.
    site.now = new Date('2026-04-15T00:00:00.000Z');
    const summary = await site.run();

    // Assess
    expect(summary.rejected).toEqual([expect.objectContaining({ file: 'a.txt', keptPublished: true })]);
    // Its page stays (left out of the archives while broken without text: README).
    expect(site.site.objects.has(page)).toBe(true);
  });
});
