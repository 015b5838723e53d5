/**
 * Inside workerd: the streaming decode (decodeForModel: row source -> orient + resize as rows arrive) gives
 * what the whole-image path gives, for every EXIF orientation and both resize modes, through HTTP too; and
 * formats decoded whole are refused over their own pixel limit with 413 image-too-large.
 */
import { describe, expect, it } from 'vitest';
import {
  applyOrientation,
  decodeForModel,
  decodeImage,
  type ExifOrientation,
  type ResampleMode,
  resizeRgb,
  wholeImageMaxPixels,
} from '../../src/core/image/index.ts';
import { MODELS } from '../../src/models.ts';
// Compiles and registers the codecs, as the Worker's entry does.
import '../../src/runtime/workerd.ts';
import { withOrientation } from '../core/image/exif.ts';
import pil from '../fixtures/orientation/pil-224.json';
import { expectProblem, fixture, postImage, type EmbedAnswer } from './helpers.ts';
import { toBmp } from '../../tools/bench/bmp.ts';

const MODEL = MODELS.find((m) => m.id === 'vgg16-narrow-synthetic')!;
const ORIENTATIONS: readonly ExifOrientation[] = [1, 2, 3, 4, 5, 6, 7, 8];
const MODES: readonly ResampleMode[] = ['nearest', 'bilinear'];
/** MAX_PIXELS of the workerd project (vitest.config.ts). */
const MAX_PIXELS = 10_000_000;

async function sha256(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data.slice()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function vector(response: Response): Promise<number[]> {
  if (response.status !== 200) expect.fail(`${response.status} ${await response.text()}`);
  return ((await response.json()) as EmbedAnswer).vector!;
}

describe('decodeForModel in workerd', () => {
  it('matches PIL 9.4 (exif_transpose + resize) bit for bit for orientations 1-8, both modes', async () => {
    const source = fixture('chelsea-exif6.jpg');
    for (const o of ORIENTATIONS) {
      const bytes = withOrientation(source, o);
      for (const resample of MODES) {
        const { rgb } = await decodeForModel(bytes, { maxPixels: MAX_PIXELS, orientation: 'apply', width: 224, height: 224, resample });
        const key = `${o}/224x224/${resample}` as keyof typeof pil.sha256;
        expect(`${key} ${await sha256(rgb.data)}`).toBe(`${key} ${pil.sha256[key]}`);
        // ...and equals the whole-image path run here.
        const whole = await decodeImage(bytes, { maxPixels: MAX_PIXELS, orientation: 'apply' });
        expect(Array.from(resizeRgb(whole, 224, 224, resample).data)).toEqual(Array.from(rgb.data));
      }
    }
  });

  it('equals resizeRgb(applyOrientation(decodeImage)) for every format', async () => {
    for (const file of ['chelsea.png', 'chelsea-q90.jpg', 'chelsea.webp', 'chelsea.gif', 'chelsea.bmp', 'chelsea-exif6.jpg']) {
      const bytes = fixture(file);
      const stored = await decodeImage(bytes, { maxPixels: MAX_PIXELS, orientation: 'ignore' });
      for (const resample of MODES) {
        const { rgb, info } = await decodeForModel(bytes, {
          maxPixels: MAX_PIXELS,
          orientation: 'apply',
          width: 224,
          height: 224,
          resample,
        });
        const want = resizeRgb(applyOrientation(stored, info.orientation), 224, 224, resample);
        expect(
          rgb.data.every((v, i) => v === want.data[i]),
          `${file} ${resample}`,
        ).toBe(true);
      }
    }
  });
});

describe('POST /v1/embed of a rotated photo', () => {
  it("gives the vector of the old whole-image path's model-size image, for orientations 1-8 and both modes", async () => {
    const { width, height } = MODEL.preprocess;
    const source = fixture('chelsea-exif6.jpg');
    for (const o of ORIENTATIONS) {
      const jpeg = withOrientation(source, o);
      const whole = await decodeImage(jpeg, { maxPixels: MAX_PIXELS, orientation: 'apply' });
      for (const resize of MODES) {
        const streamed = await vector(await postImage(jpeg, 'image/jpeg', `?resize=${resize}`));
        // The old path's resized image, sent at the model's size: nothing is resized again.
        const old = await vector(await postImage(toBmp(resizeRgb(whole, width, height, resize)), 'image/bmp', `?resize=${resize}`));
        expect({ o, resize, streamed }).toEqual({ o, resize, streamed: old });
      }
    }
  });
});

describe('pixel limits in the Worker', () => {
  it('413 image-too-large for an interlaced PNG under MAX_PIXELS but over the whole-decode limit, saying why', async () => {
    const limit = wholeImageMaxPixels(fixture('chelsea.png'), 'png');
    expect(limit).toBeLessThan(MAX_PIXELS);
    const png = fixture('chelsea.png').slice();
    const view = new DataView(png.buffer);
    const side = Math.ceil(Math.sqrt(limit + 1));
    view.setUint32(16, side);
    view.setUint32(20, side);
    png[28] = 1; // IHDR interlace method: Adam7, which cannot stream
    const problem = await expectProblem(await postImage(png, 'image/png'), 413);
    expect(problem.type).toMatch(/\/image-too-large$/);
    expect(problem.detail).toContain(`png is decoded whole: at most ${limit.toLocaleString('en-US')} pixels`);
  });
});
