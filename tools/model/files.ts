/** @module File helpers for the Node-only tools: a synchronous sha256 and atomic writes. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * SHA-256 hex, synchronously (node:crypto), for the synchronous model builders; code that can await
 * and must also run in workerd or browsers uses src/core/util/sha256.ts (Web Crypto has no sync digest).
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes to a temporary file in the same folder, then renames it over `path`: readers never see half a file. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
