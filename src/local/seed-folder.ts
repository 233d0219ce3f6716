/** A folder of seed files read whole, for `cli validate`, tests and checks of the rendered feeds. */
import type { SeedFile } from '../article/corpus.js';
import { isSeedFileName } from '../article/corpus.js';
import { type SkippedSeed, skippedSeedsInto, unreadableSeed } from '../publish/seeds.js';
import { FolderStorage } from '../storage/folder.js';

/**
 * The seed files directly inside a folder (not its subfolders), as bytes; links and other
 * non-files named as seeds are skipped and named, and files over `maxBytes` are named with
 * their size, unread.
 */
export async function readSeedFolderReporting(
  directory: string,
  { maxBytes = Number.POSITIVE_INFINITY }: { readonly maxBytes?: number } = {},
): Promise<{
  files: SeedFile[];
  skipped: SkippedSeed[];
  tooLarge: { fileName: string; size: number }[];
  /** Seeds that cannot be read (no read permission), and why. */
  unreadable: { fileName: string; reason: string }[];
}> {
  const storage = new FolderStorage(directory, { requireRoot: true });
  const skipped: SkippedSeed[] = [];
  const listed = await storage.list('', { recursive: false, skipped: skippedSeedsInto(skipped) });
  const files: SeedFile[] = [];
  const tooLarge: { fileName: string; size: number }[] = [];
  const unreadable: { fileName: string; reason: string }[] = [];
  for (const { key, size } of listed.filter((object) => isSeedFileName(object.key))) {
    if (size > maxBytes) {
      tooLarge.push({ fileName: key, size });
      continue;
    }
    try {
      const object = await storage.get(key);
      if (object) files.push({ fileName: key, bytes: object.body });
    } catch (error) {
      const reason = unreadableSeed(error);
      if (reason === undefined) throw error;
      unreadable.push({ fileName: key, reason });
    }
  }
  return { files, skipped, tooLarge, unreadable };
}

/** The same, files only. */
export async function readSeedFolder(directory: string): Promise<SeedFile[]> {
  return (await readSeedFolderReporting(directory)).files;
}
