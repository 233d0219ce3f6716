import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSeedFileName, type SeedFile } from '../article/corpus.js';

/** The seed files directly inside a folder (not its subfolders), as bytes. */
export async function readSeedFolder(directory: string): Promise<SeedFile[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isFile() && isSeedFileName(entry.name)).map((entry) => entry.name);
  return Promise.all(names.map(async (fileName) => ({ fileName, bytes: await readFile(join(directory, fileName)) })));
}
