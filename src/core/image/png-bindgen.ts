/**
 * @module A re-instantiable binding to @jsquash/png's decoder (squoosh_png_bg.wasm, Rust + wasm-bindgen).
 *
 * The package's own glue keeps one instance per JS realm and cannot be reset. When the Rust decoder
 * rejects a file it throws through the wasm frames, which never restores its shadow stack pointer nor
 * frees the input copy: measured with @jsquash/png 3.1.1, about 745 malformed files in a row exhaust the
 * 1 MiB stack and every later decode fails with "memory access out of bounds". This binding owns its
 * instance, so the caller can drop it after any failure (or a large image) and start a fresh one.
 *
 * Import names carry wasm-bindgen hashes; they are matched by prefix and checked when the module is
 * bound, so a different build fails loudly at start-up rather than at the first request.
 */

/** An RGBA image as the decoder returns it (8-bit: 16-bit samples are reduced to their high byte). */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

interface PngExports {
  readonly memory: WebAssembly.Memory;
  readonly decode: (ptr: number, len: number) => number;
  readonly __wbindgen_malloc: (size: number, align: number) => number;
  readonly __wbindgen_free: (ptr: number, size: number, align: number) => void;
}

type ImportFactory = (instance: PngInstance) => (...args: number[]) => unknown;

/** Prefixes of the `wbg` imports squoosh_png_bg.wasm needs, and what each does. */
const IMPORTS: ReadonlyArray<readonly [prefix: string, make: ImportFactory]> = [
  ['__wbindgen_memory', (self) => () => self.addObject(self.exports.memory)],
  ['__wbg_buffer_', (self) => (idx) => self.addObject((self.getObject(idx!) as { buffer: unknown }).buffer)],
  [
    '__wbg_newwithbyteoffsetandlength_',
    (self) => (idx, offset, length) => self.addObject(new Uint16Array(self.getObject(idx!) as ArrayBuffer, offset! >>> 0, length! >>> 0)),
  ],
  ['__wbindgen_object_drop_ref', (self) => (idx) => void self.takeObject(idx!)],
  [
    '__wbg_newwithownedu8clampedarrayandsh_',
    (self) => (ptr, len, width, height) => {
      const data = new Uint8Array(self.exports.memory.buffer, ptr! >>> 0, len! >>> 0).slice();
      self.exports.__wbindgen_free(ptr!, len!, 1);
      return self.addObject({ data, width: width! >>> 0, height: height! >>> 0 } satisfies RgbaPixels);
    },
  ],
  [
    '__wbindgen_throw',
    (self) => (ptr, len) => {
      const text = new TextDecoder().decode(new Uint8Array(self.exports.memory.buffer, ptr! >>> 0, len! >>> 0));
      throw new Error(text);
    },
  ],
];

function importFactory(name: string): ImportFactory | undefined {
  return IMPORTS.find(([prefix]) => name.startsWith(prefix))?.[1];
}

/** Throws unless `module` is a squoosh PNG decoder whose imports this binding knows. */
export function checkPngModule(module: WebAssembly.Module): void {
  const unknown = WebAssembly.Module.imports(module).filter((imp) => imp.module !== 'wbg' || !importFactory(imp.name));
  const exports = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const missing = ['memory', 'decode', '__wbindgen_malloc', '__wbindgen_free'].filter((name) => !exports.has(name));
  if (unknown.length > 0 || missing.length > 0) {
    throw new Error(
      `unexpected PNG decoder module (unknown imports: ${unknown.map((i) => i.name).join(', ') || 'none'}; ` +
        `missing exports: ${missing.join(', ') || 'none'})`,
    );
  }
}

/** One instance of the PNG decoder with its own wasm-bindgen object table. */
export class PngInstance {
  readonly exports: PngExports;
  // wasm-bindgen's object table: 128 free slots, then the constants undefined, null, true, false.
  readonly #heap: unknown[] = [...new Array<unknown>(128).fill(undefined), undefined, null, true, false];
  #heapNext = this.#heap.length;

  constructor(module: WebAssembly.Module) {
    const wbg: Record<string, (...args: number[]) => unknown> = {};
    for (const { name } of WebAssembly.Module.imports(module)) {
      const make = importFactory(name);
      if (!make) throw new Error(`unexpected PNG decoder import ${name}`);
      wbg[name] = make(this);
    }
    const instance = new WebAssembly.Instance(module, { wbg });
    this.exports = instance.exports as unknown as PngExports;
  }

  /** Bytes of wasm memory this instance holds (it never shrinks). */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  addObject(value: unknown): number {
    if (this.#heapNext === this.#heap.length) this.#heap.push(this.#heap.length + 1);
    const idx = this.#heapNext;
    this.#heapNext = this.#heap[idx] as number;
    this.#heap[idx] = value;
    return idx;
  }

  getObject(idx: number): unknown {
    return this.#heap[idx];
  }

  takeObject(idx: number): unknown {
    const value = this.#heap[idx];
    if (idx >= 132) {
      this.#heap[idx] = this.#heapNext;
      this.#heapNext = idx;
    }
    return value;
  }

  /** Decodes a PNG to 8-bit RGBA. Throws on any error; the instance must not be used after a throw. */
  decode(bytes: Uint8Array): RgbaPixels {
    const ptr = this.exports.__wbindgen_malloc(bytes.length, 1) >>> 0;
    new Uint8Array(this.exports.memory.buffer).set(bytes, ptr);
    const result = this.takeObject(this.exports.decode(ptr, bytes.length)) as RgbaPixels | null | undefined;
    if (!result) throw new Error('PNG decoder returned no image');
    return result;
  }
}
