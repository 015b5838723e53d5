/**
 * Debian's Chromium driven by playwright-core (never a browser a tool downloads), with flags that keep it
 * quiet and on loopback: without the resolver rule Chromium still sends DNS queries and connection
 * attempts off the machine. Used by the browser tests and the screenshot tool.
 */
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/** Exposes a WebGPU adapter; without a GPU it is SwiftShader (software, slow). */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu'];

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile (removed on close) unless `profile` names one to keep. */
export async function launchChromium(
  options: { webgpu?: boolean; profile?: string; viewport?: { width: number; height: number }; deviceScaleFactor?: number } = {},
): Promise<Chromium> {
  await access(CHROMIUM).catch(() => {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`);
  });
  const profile = options.profile ?? (await mkdtemp(join(tmpdir(), 'edge-features-chromium-')));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.webgpu ? WEBGPU_ARGS : [])],
    viewport: options.viewport ?? { width: 1200, height: 900 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
  });
  return {
    context,
    async close() {
      await context.close();
      if (!options.profile) await rm(profile, { recursive: true, force: true });
    },
  };
}
