/** AVIF and HEIC bodies embedded inside workerd: the two decoders load there as precompiled `.wasm` modules. */
import { describe, expect, it } from 'vitest';
import { expectProblem, fixture, maxAbsDiff, postImage, type EmbedAnswer } from './helpers.ts';

async function vector(response: Response): Promise<number[]> {
  if (response.status !== 200) expect.fail(`${response.status} ${await response.text()}`);
  const body = (await response.json()) as EmbedAnswer;
  expect(body.vector?.every(Number.isFinite)).toBe(true);
  return body.vector!;
}

describe('POST /v1/embed with AVIF and HEIC', () => {
  it('embeds an AVIF (8-bit 4:2:0 and 10-bit) and a HEIC of one photo to nearby vectors', async () => {
    const avif = await vector(await postImage(fixture('heif/avif-8bit-420.avif'), 'image/avif'));
    const avif10 = await vector(await postImage(fixture('heif/avif-10bit-420.avif'), 'image/avif'));
    const heic = await vector(await postImage(fixture('heif/heic-8bit.heic'), 'image/heic'));
    const sequence = await vector(await postImage(fixture('heif/avif-sequence.avif'), 'image/avif'));
    expect(avif.some((v) => v !== 0)).toBe(true);
    // Same photo, different encoders: close, but not the same bytes.
    const scale = Math.max(...avif.map(Math.abs));
    expect(maxAbsDiff(avif, heic)).toBeLessThan(0.25 * scale);
    expect(maxAbsDiff(avif, avif10)).toBeLessThan(0.25 * scale);
    // The sequence's first frame is the same picture as the still.
    expect(maxAbsDiff(avif, sequence)).toBeLessThan(0.25 * scale);
  });

  it('applies irot/imir by default and keeps the stored pixels with orientation=ignore', async () => {
    const bytes = fixture('heif/heic-irot3-imir0.heic');
    const applied = await vector(await postImage(bytes, 'image/heic'));
    const ignored = await vector(await postImage(bytes, 'image/heic', '?orientation=ignore'));
    const plain = await vector(await postImage(fixture('heif/heic-8bit.heic'), 'image/heic'));
    expect(ignored).toEqual(plain); // same stored pixels
    expect(applied).not.toEqual(ignored);
  });

  it('answers a truncated HEIC and AVIF with 400, never a 5xx', async () => {
    for (const [name, type] of [
      ['heif/heic-8bit.heic', 'image/heic'],
      ['heif/avif-8bit-420.avif', 'image/avif'],
    ] as const) {
      const bytes = fixture(name);
      const problem = await expectProblem(await postImage(bytes.slice(0, Math.floor(bytes.length * 0.7)), type), 400);
      expect(problem.detail).toMatch(/avif|heic|HEIF/i);
    }
  });
});
