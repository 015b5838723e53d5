import { describe, expect, it } from 'vitest';
import { codecsReady, decodeImage, ImageError, initCodecs } from '../../../src/core/image/index.ts';
import { nodeCodecModules } from './codec-modules.ts';
import { fixtureBytes } from './fixtures.ts';

// Runs in its own module graph (vitest isolates test files): the codecs start uninitialised here.
const OPTIONS = { maxPixels: 1_000_000, orientation: 'ignore' } as const;

describe('initCodecs', () => {
  it('decoding a WASM format before initCodecs is a clear programming error, not an ImageError', async () => {
    expect(codecsReady()).toBe(false);
    for (const name of ['chelsea-q90.jpg', 'chelsea.webp']) {
      const error = await decodeImage(fixtureBytes(name), OPTIONS).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(ImageError);
      expect(String(error)).toMatch(/initCodecs/);
    }
    // GIF, BMP and PNG decoders are plain TypeScript and need nothing.
    await expect(decodeImage(fixtureBytes('chelsea.gif'), OPTIONS)).resolves.toMatchObject({ width: 451 });
    await expect(decodeImage(fixtureBytes('chelsea.png'), OPTIONS)).resolves.toMatchObject({ width: 451 });
  });

  it('rejects modules that are missing or of the wrong codec', () => {
    const modules = nodeCodecModules();
    expect(() => initCodecs({ ...modules, webp: new Uint8Array(8) as unknown as WebAssembly.Module })).toThrow(TypeError);
    expect(() => initCodecs({ ...modules, jpeg: undefined as unknown as WebAssembly.Module })).toThrow(/modules\.jpeg/);
    expect(codecsReady()).toBe(false);
  });

  it('works once given the modules, and ignores later calls', async () => {
    initCodecs(nodeCodecModules());
    expect(codecsReady()).toBe(true);
    initCodecs({} as never);
    const img = await decodeImage(fixtureBytes('chelsea-q90.jpg'), OPTIONS);
    expect([img.width, img.height]).toEqual([451, 300]);
  });
});
