/** External-data layout: files under the static-asset limit, tensors whole, aligned, non-overlapping. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FILE_BYTES, planExternalData, type ExternalDataPlan, type PlannedTensor } from '../../tools/model/external-data.ts';
import { VGG16_CONFIG, vgg16Layers } from '../../tools/model/vgg16.ts';

function vgg16Tensors(): PlannedTensor[] {
  return vgg16Layers(VGG16_CONFIG).flatMap((l) => [
    { name: `${l.name}/kernel`, byteLength: l.outChannels * l.inChannels * 9 * 4 },
    { name: `${l.name}/bias`, byteLength: l.outChannels * 4 },
  ]);
}

function checkPlan(
  plan: ExternalDataPlan,
  tensors: readonly PlannedTensor[],
  maxFileBytes: number,
  alignment: number,
  baseName = 'model.data',
): void {
  expect(plan.placements.map((p) => p.name)).toEqual(tensors.map((t) => t.name));
  plan.files.forEach((file, index) => {
    expect(file.path).toBe(`${baseName}.${index}`);
    expect(file.bytes).toBeLessThanOrEqual(maxFileBytes);
    const inFile = plan.placements.filter((p) => p.fileIndex === index);
    expect(inFile.map((p) => p.name)).toEqual(file.tensors);
    let end = 0;
    for (const p of inFile) {
      expect(p.location).toBe(file.path);
      expect(p.offset % alignment).toBe(0);
      expect(p.offset).toBeGreaterThanOrEqual(end); // no overlap, in order
      end = p.offset + p.length;
      expect(end).toBeLessThanOrEqual(file.bytes); // never split: the whole tensor is inside this file
    }
    expect(end).toBe(file.bytes);
  });
  tensors.forEach((t, i) => expect(plan.placements[i]!.length).toBe(t.byteLength));
}

describe('planExternalData', () => {
  it('spreads full-size VGG16 over >= 3 files of at most 24 MiB, 4096-aligned', () => {
    const tensors = vgg16Tensors();
    const total = tensors.reduce((s, t) => s + t.byteLength, 0);
    expect(total).toBe(14_714_688 * 4);
    const plan = planExternalData(tensors);
    expect(DEFAULT_MAX_FILE_BYTES).toBe(24 * 1024 * 1024);
    expect(plan.files.length).toBeGreaterThanOrEqual(3);
    checkPlan(plan, tensors, DEFAULT_MAX_FILE_BYTES, 4096);
    // Greedy fill: a file is only closed when the next tensor does not fit into it.
    for (let i = 0; i + 1 < plan.files.length; i++) {
      const next = tensors.find((t) => t.name === plan.files[i + 1]!.tensors[0])!;
      expect(Math.ceil(plan.files[i]!.bytes / 4096) * 4096 + next.byteLength).toBeGreaterThan(DEFAULT_MAX_FILE_BYTES);
    }
  });

  it('honours other limits and alignments', () => {
    const tensors = vgg16Tensors();
    const plan = planExternalData(tensors, { maxFileBytes: 10 * 1024 * 1024, alignment: 64, baseName: 'w' });
    expect(plan.files.length).toBeGreaterThanOrEqual(6);
    checkPlan(plan, tensors, 10 * 1024 * 1024, 64, 'w');
  });

  it('refuses a tensor larger than one file, and duplicate names', () => {
    expect(() => planExternalData([{ name: 'big', byteLength: 100 }], { maxFileBytes: 99 })).toThrow(/big/);
    expect(() =>
      planExternalData([
        { name: 'a', byteLength: 1 },
        { name: 'a', byteLength: 1 },
      ]),
    ).toThrow(/duplicate/);
  });
});
