import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageError, initCodecs } from '../../../src/core/image/index.ts';
import { nodeCodecModules } from './codec-modules.ts';

// Its own module graph (vitest isolates test files): initCodecs has not been called here yet.
const file = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/heif/${name}`, import.meta.url)));
const OPTIONS = { maxPixels: 1_000_000, orientation: 'apply' } as const;

describe('AVIF / HEIC decoders are optional codec modules', () => {
  it('before initCodecs, decoding them is a programming error, not an ImageError', async () => {
    const error = await decodeImage(file('heic-8bit.heic'), OPTIONS).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ImageError);
    expect(String(error)).toMatch(/initCodecs/);
  });

  it('refuses a wrong module type', () => {
    const modules = nodeCodecModules();
    expect(() => initCodecs({ ...modules, heic: new Uint8Array(8) as unknown as WebAssembly.Module })).toThrow(TypeError);
  });

  it('without them, AVIF and HEIC are unsupported_format with how to convert', async () => {
    const { avif: _avif, heic: _heic, ...rest } = nodeCodecModules();
    initCodecs(rest);
    const heic = await decodeImage(file('heic-8bit.heic'), OPTIONS).catch((e: unknown) => e);
    expect(heic).toBeInstanceOf(ImageError);
    expect((heic as ImageError).code).toBe('unsupported_format');
    expect((heic as ImageError).message).toMatch(/HEIC is not supported.*Most Compatible.*heif-convert/);
    const avif = await decodeImage(file('avif-8bit-420.avif'), OPTIONS).catch((e: unknown) => e);
    expect((avif as ImageError).code).toBe('unsupported_format');
    // The other formats still decode.
    const png = new Uint8Array(readFileSync(new URL('../../../../shared/fixtures/images/chelsea.png', import.meta.url)));
    await expect(decodeImage(png, OPTIONS)).resolves.toMatchObject({ width: 451 });
  });
});
