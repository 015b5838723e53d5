/**
 * @module Plans where initializers go when they are stored as ONNX external data.
 *
 * Tensors are laid out in the given order, each at an offset aligned to `alignment`, across numbered files
 * (`<baseName>.0`, `<baseName>.1`, ...). A tensor is never split; a new file starts when the next tensor
 * would push the current one past `maxFileBytes`. Pure arithmetic: the layout can be checked without
 * building or writing anything.
 */

/** Cloudflare static assets are limited to 25 MiB per file; keep a 1 MiB margin. */
export const DEFAULT_MAX_FILE_BYTES = 24 * 1024 * 1024;
/** Page-aligned offsets let onnxruntime (native) memory-map tensors; the padding costs at most 4 KiB each. */
export const DEFAULT_ALIGNMENT = 4096;
export const DEFAULT_BASE_NAME = 'model.data';

export interface ExternalDataOptions {
  readonly maxFileBytes?: number;
  readonly alignment?: number;
  /** Data files are named `<baseName>.<index>`, relative to the .onnx file. */
  readonly baseName?: string;
}

export interface PlannedTensor {
  readonly name: string;
  readonly byteLength: number;
}

export interface Placement {
  readonly name: string;
  readonly fileIndex: number;
  /** Path relative to the model file, as written in the tensor's `external_data` `location`. */
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

export interface PlannedFile {
  readonly path: string;
  /** Size of the file: end of its last tensor (no trailing padding). */
  readonly bytes: number;
  readonly tensors: readonly string[];
}

export interface ExternalDataPlan {
  readonly files: readonly PlannedFile[];
  /** In the same order as the input tensors. */
  readonly placements: readonly Placement[];
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

export function planExternalData(tensors: readonly PlannedTensor[], options: ExternalDataOptions = {}): ExternalDataPlan {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const alignment = options.alignment ?? DEFAULT_ALIGNMENT;
  const baseName = options.baseName ?? DEFAULT_BASE_NAME;
  if (!Number.isInteger(alignment) || alignment < 1) throw new Error(`alignment must be a positive integer, got ${alignment}`);
  if (!Number.isInteger(maxFileBytes) || maxFileBytes < 1) throw new Error(`maxFileBytes must be a positive integer, got ${maxFileBytes}`);

  const files: { path: string; bytes: number; tensors: string[] }[] = [];
  const placements: Placement[] = [];
  const seen = new Set<string>();
  let current: { path: string; bytes: number; tensors: string[] } | undefined;

  for (const tensor of tensors) {
    if (seen.has(tensor.name)) throw new Error(`duplicate tensor name ${JSON.stringify(tensor.name)}`);
    seen.add(tensor.name);
    if (tensor.byteLength > maxFileBytes) {
      throw new Error(`tensor ${tensor.name} has ${tensor.byteLength} bytes, more than one external-data file may hold (${maxFileBytes})`);
    }
    let offset = current === undefined ? 0 : alignUp(current.bytes, alignment);
    if (current === undefined || offset + tensor.byteLength > maxFileBytes) {
      current = { path: `${baseName}.${files.length}`, bytes: 0, tensors: [] };
      files.push(current);
      offset = 0;
    }
    placements.push({
      name: tensor.name,
      fileIndex: files.length - 1,
      location: current.path,
      offset,
      length: tensor.byteLength,
    });
    current.tensors.push(tensor.name);
    current.bytes = offset + tensor.byteLength;
  }
  return { files, placements };
}
