/**
 * @module A binding to libjpeg-turbo.wasm (libjpeg-turbo 2.1.5's C decoder + tools/codecs/jpeg/shim.c): one
 * instance, any number of open decoders, each reading its file through an import so the file is never copied
 * whole into wasm memory.
 *
 * libjpeg's `error_exit` must not return: the shim calls the imported `error_exit`, which throws a
 * `LibjpegError` through the wasm frames. That leaves the instance's stack pointer and the failed decoder's
 * memory behind, so the owner must stop using the instance after any `LibjpegError` (codecs.ts drops it).
 */

/** libjpeg's J_COLOR_SPACE values the shim is asked for or reports. */
export const JCS = { UNKNOWN: 0, GRAYSCALE: 1, RGB: 2, YCbCr: 3, CMYK: 4, YCCK: 5 } as const;

/** What the header (up to the first scan) says. */
export interface LibjpegHeader {
  readonly width: number;
  readonly height: number;
  /** 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK (other counts are legal JPEG but not photos). */
  readonly components: number;
  /** libjpeg's guess of the stored colour space (JCS value). */
  readonly colorSpace: number;
  readonly progressive: boolean;
  /** Whether the image has several scans, so libjpeg buffers every coefficient before the first row. */
  readonly multiscan: boolean;
  readonly arithmetic: boolean;
  readonly adobe: boolean;
  /** Sampling factors per component, e.g. [[2, 2], [1, 1], [1, 1]] for 4:2:0. */
  readonly sampling: readonly (readonly [h: number, v: number])[];
  /** Bytes of the whole-image coefficient buffer a multiscan image needs; 0 for a single scan. */
  readonly coefficientBytes: number;
}

/** libjpeg stopped with an error (its message), or the shim hit the end of the module's memory. */
export class LibjpegError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LibjpegError';
  }
}

interface LibjpegExports {
  readonly memory: WebAssembly.Memory;
  readonly _initialize: () => void;
  readonly jd_create: (id: number, maxMemory: number) => number;
  readonly jd_read_header: (decoder: number, info: number) => void;
  readonly jd_start: (decoder: number, outColorSpace: number) => number;
  readonly jd_read_row: (decoder: number, row: number) => number;
  readonly jd_skip_rows: (decoder: number, row: number, count: number) => number;
  readonly jd_finish: (decoder: number) => void;
  readonly jd_destroy: (decoder: number) => void;
  readonly jd_header_info_alloc: () => number;
}

const EXPORTED_FUNCTIONS = [
  '_initialize',
  'jd_create',
  'jd_read_header',
  'jd_start',
  'jd_read_row',
  'jd_skip_rows',
  'jd_finish',
  'jd_destroy',
  'jd_header_info_alloc',
] as const;

/** WASI's errno for "function not supported": wasi-libc's stderr writes (never made by the shim) fail quietly. */
const ENOSYS = 52;

/** Throws unless `module` has exactly the imports and exports of libjpeg-turbo.wasm. */
export function checkLibjpegModule(module: WebAssembly.Module): void {
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const missing = ['memory', ...EXPORTED_FUNCTIONS].filter((name) => !exports.has(name));
  if (missing.length > 0) {
    throw new TypeError(`not the libjpeg-turbo JPEG decoder module (missing exports: ${missing.join(', ')})`);
  }
}

/** One file being read by one decoder. */
interface Input {
  readonly bytes: Uint8Array;
  offset: number;
  readonly warnings: string[];
}

function cString(memory: WebAssembly.Memory, ptr: number): string {
  const heap = new Uint8Array(memory.buffer);
  let end = ptr;
  while (end < heap.length && heap[end] !== 0) end++;
  return new TextDecoder().decode(heap.subarray(ptr, end));
}

/** A libjpeg-turbo.wasm instance. */
export class LibjpegInstance {
  readonly #exports: LibjpegExports;
  readonly #inputs = new Map<number, Input>();
  readonly #info: number;
  #nextId = 1;

  constructor(module: WebAssembly.Module) {
    checkLibjpegModule(module);
    const input = (id: number): Input => {
      const found = this.#inputs.get(id);
      if (!found) throw new LibjpegError(`libjpeg read from a closed decoder (${id})`);
      return found;
    };
    const imports = {
      env: {
        read_input: (id: number, ptr: number, len: number): number => {
          const src = input(id);
          const n = Math.min(len, src.bytes.length - src.offset);
          new Uint8Array(this.#exports.memory.buffer, ptr, n).set(src.bytes.subarray(src.offset, src.offset + n));
          src.offset += n;
          return n;
        },
        skip_input: (id: number, count: number): number => {
          const src = input(id);
          const n = Math.min(count, src.bytes.length - src.offset);
          src.offset += n;
          return n;
        },
        error_exit: (_id: number, message: number): never => {
          throw new LibjpegError(cString(this.#exports.memory, message));
        },
        warning: (id: number, message: number): void => {
          input(id).warnings.push(cString(this.#exports.memory, message));
        },
      },
      wasi_snapshot_preview1: {
        fd_close: () => ENOSYS,
        fd_seek: () => ENOSYS,
        fd_write: () => ENOSYS,
        proc_exit: (code: number): never => {
          throw new LibjpegError(`libjpeg exited with status ${code}`);
        },
      },
    };
    const instance = new WebAssembly.Instance(module, imports);
    this.#exports = instance.exports as unknown as LibjpegExports;
    this.#exports._initialize();
    this.#info = this.#exports.jd_header_info_alloc();
    if (this.#info === 0) throw new LibjpegError('out of memory');
  }

  /** Bytes of this instance's WebAssembly memory (it only ever grows). */
  memoryBytes(): number {
    return this.#exports.memory.buffer.byteLength;
  }

  /**
   * Opens a decoder on `bytes` and reads its header. libjpeg may allocate at most `maxMemory` bytes for the
   * whole-image buffers of a multiscan image. Throws `LibjpegError`.
   */
  open(bytes: Uint8Array, maxMemory: number): LibjpegDecoder {
    const id = this.#nextId++;
    const input: Input = { bytes, offset: 0, warnings: [] };
    this.#inputs.set(id, input);
    const ptr = this.#exports.jd_create(id, maxMemory);
    if (ptr === 0) {
      this.#inputs.delete(id);
      throw new LibjpegError('out of memory');
    }
    const decoder = new LibjpegDecoder(this.#exports, ptr, input, () => this.#inputs.delete(id));
    decoder.readHeader(this.#info);
    return decoder;
  }
}

/** One open decoder: header read; then `start`, rows, `finish`; `destroy` always. */
export class LibjpegDecoder {
  readonly #exports: LibjpegExports;
  readonly #ptr: number;
  readonly #input: Input;
  readonly #forget: () => void;
  #header: LibjpegHeader | undefined;
  #row = 0;
  #rowBytes = 0;
  #destroyed = false;

  constructor(exports: LibjpegExports, ptr: number, input: Input, forget: () => void) {
    this.#exports = exports;
    this.#ptr = ptr;
    this.#input = input;
    this.#forget = forget;
  }

  /** libjpeg's warnings so far (e.g. "Premature end of JPEG file"). */
  get warnings(): readonly string[] {
    return this.#input.warnings;
  }

  get header(): LibjpegHeader {
    if (!this.#header) throw new Error('the header has not been read');
    return this.#header;
  }

  /** @internal called once by `LibjpegInstance.open`. */
  readHeader(info: number): void {
    this.#exports.jd_read_header(this.#ptr, info);
    const view = new DataView(this.#exports.memory.buffer, info, 84);
    const int = (i: number) => view.getInt32(8 + 4 * i, true);
    const components = int(2);
    const sampling: [number, number][] = [];
    for (let c = 0; c < Math.min(components, 4); c++) sampling.push([int(11 + c), int(15 + c)]);
    this.#header = {
      coefficientBytes: view.getFloat64(0, true),
      width: int(0),
      height: int(1),
      components,
      colorSpace: int(3),
      progressive: int(4) !== 0,
      multiscan: int(5) !== 0,
      arithmetic: int(6) !== 0,
      adobe: int(7) !== 0,
      sampling,
    };
  }

  /** Starts decompressing to `outColorSpace` (JCS.RGB, JCS.GRAYSCALE or JCS.CMYK); returns bytes per row. */
  start(outColorSpace: number): number {
    const perPixel = outColorSpace === JCS.GRAYSCALE ? 1 : outColorSpace === JCS.CMYK ? 4 : 3;
    this.#row = this.#exports.jd_start(this.#ptr, outColorSpace);
    this.#rowBytes = this.header.width * perPixel;
    return this.#rowBytes;
  }

  /** Decodes the next row; returns a view of it in wasm memory, valid until the next call into the instance. */
  readRow(): Uint8Array {
    if (this.#exports.jd_read_row(this.#ptr, this.#row) !== 1) throw new LibjpegError('libjpeg returned no row');
    return new Uint8Array(this.#exports.memory.buffer, this.#row, this.#rowBytes);
  }

  /** Skips `count` rows (jpeg_skip_scanlines; the shim reads the last row so the data is checked to its end). */
  skipRows(count: number): void {
    const skipped = this.#exports.jd_skip_rows(this.#ptr, this.#row, count);
    if (skipped !== count) throw new LibjpegError(`libjpeg skipped ${skipped} of ${count} rows`);
  }

  /** Reads the rest of the data, to the end-of-image marker. */
  finish(): void {
    this.#exports.jd_finish(this.#ptr);
  }

  /** Frees the decoder's memory. Not to be called after a `LibjpegError` (the instance is dropped instead). */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#forget();
    this.#exports.jd_destroy(this.#ptr);
  }

  /** Forgets the input without calling into the instance (after a failure). */
  abandon(): void {
    this.#destroyed = true;
    this.#forget();
  }
}
