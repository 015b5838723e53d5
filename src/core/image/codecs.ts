/**
 * @module The WASM codecs (@jsquash: MozJPEG / libjpeg-turbo, libwebp), given as precompiled modules.
 *
 * workerd forbids compiling WebAssembly from bytes at run time, so the runtime adapter imports the two
 * `.wasm` files as modules and calls `initCodecs` once. Instances are created lazily and replaced after
 * any decoding failure (a C decoder that fails mid-call leaves leaked stack and heap behind) and
 * after large images (WebAssembly memory never shrinks; a fresh instance lets the old memory be collected).
 */

import mozjpegFactory from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';
import webpFactory from '@jsquash/webp/codec/dec/webp_dec.js';

/** An RGBA image as a codec returns it. */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Precompiled decoder modules, one per WASM codec. */
export interface CodecModules {
  /** node_modules/@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm */
  readonly jpeg: WebAssembly.Module;
  /** node_modules/@jsquash/webp/codec/dec/webp_dec.wasm */
  readonly webp: WebAssembly.Module;
}

/** An instance whose wasm memory has grown past this is dropped after use rather than kept. */
export const RECYCLE_MEMORY_BYTES = 32 * 1024 * 1024;

/** A decode that produced pixels, with the decoder's warnings (libjpeg prints them, e.g. on truncation). */
export interface CodecResult {
  readonly pixels: RgbaPixels;
  readonly warnings: readonly string[];
}

/** A decoder failure, with what the decoder printed before failing. */
export class CodecFailure extends Error {
  readonly messages: readonly string[];
  constructor(message: string, messages: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.name = 'CodecFailure';
    this.messages = messages;
  }
}

interface EmscriptenOptions {
  noInitialRun: boolean;
  instantiateWasm: (imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) => WebAssembly.Exports;
  print: (text: string) => void;
  printErr: (text: string) => void;
}

interface EmscriptenModule {
  readonly HEAPU8: Uint8Array;
}

interface JpegModule extends EmscriptenModule {
  decode(data: Uint8Array, preserveOrientation: boolean): RgbaPixels | null;
}

interface WebpModule extends EmscriptenModule {
  decode(data: Uint8Array): RgbaPixels | null;
}

type EmscriptenFactory<M> = (options: EmscriptenOptions) => Promise<M>;

/** One live decoder instance: `run` must stay synchronous so no other call can interleave with it. */
interface Codec {
  run(bytes: Uint8Array): RgbaPixels | null;
  readonly messages: string[];
  memoryBytes(): number;
}

async function emscriptenCodec<M extends EmscriptenModule>(
  factory: EmscriptenFactory<M>,
  module: WebAssembly.Module,
  run: (mod: M, bytes: Uint8Array) => RgbaPixels | null,
): Promise<Codec> {
  const messages: string[] = [];
  const mod = await factory({
    // Just instantiate: never run main(), never fetch the .wasm file.
    noInitialRun: true,
    instantiateWasm(imports, receive) {
      const instance = new WebAssembly.Instance(module, imports);
      receive(instance);
      return instance.exports;
    },
    print: (text) => messages.push(text),
    printErr: (text) => messages.push(text),
  });
  return { run: (bytes) => run(mod, bytes), messages, memoryBytes: () => mod.HEAPU8.buffer.byteLength };
}

/** Every slot, for {@link codecMemoryStats}. */
const slots: CodecSlot[] = [];
/** The most WebAssembly memory the live codec instances held together, at the end of any decode. */
let peakLiveBytes = 0;

/** Holds at most one instance of a codec; hands it out, replaces it when it failed or grew too big. */
class CodecSlot {
  readonly #name: string;
  readonly #create: () => Promise<Codec>;
  #current: Promise<Codec> | undefined;
  /** The instance `#current` resolved to, while it is current (read synchronously by the stats). */
  #live: Codec | undefined;

  constructor(name: string, create: () => Promise<Codec>) {
    this.#name = name;
    this.#create = create;
    slots.push(this);
  }

  /** Bytes of the live instance's WebAssembly memory (0 when none is live). */
  liveBytes(): number {
    return this.#live?.memoryBytes() ?? 0;
  }

  async decode(bytes: Uint8Array): Promise<CodecResult> {
    const pending = (this.#current ??= this.#create());
    let codec: Codec;
    try {
      codec = await pending;
    } catch (cause) {
      if (this.#current === pending) this.#current = undefined;
      throw new Error(`${this.#name} decoder could not be instantiated`, { cause });
    }
    // From here to the end nothing awaits: no other decode can use this instance meanwhile.
    if (this.#current !== pending) {
      // Another call dropped this instance while we waited for it: take a fresh one.
      return this.decode(bytes);
    }
    this.#live = codec;
    codec.messages.length = 0;
    let pixels: RgbaPixels | null;
    try {
      pixels = codec.run(bytes);
    } catch (cause) {
      this.#drop();
      throw new CodecFailure(`${this.#name} decoder failed`, [...codec.messages], { cause });
    }
    const messages = [...codec.messages];
    if (!pixels) {
      this.#drop();
      throw new CodecFailure(`${this.#name} decoder returned no image`, messages);
    }
    peakLiveBytes = Math.max(
      peakLiveBytes,
      slots.reduce((sum, slot) => sum + slot.liveBytes(), 0),
    );
    if (codec.memoryBytes() > RECYCLE_MEMORY_BYTES) this.#drop();
    return { pixels, warnings: messages };
  }

  #drop(): void {
    this.#current = undefined;
    this.#live = undefined;
  }
}

interface Codecs {
  readonly jpeg: CodecSlot;
  readonly webp: CodecSlot;
}

let codecs: Codecs | undefined;

/** Minimal `ImageData` for runtimes without one (workerd, Node): the emscripten codecs construct it. */
function ensureImageData(): void {
  const g = globalThis as { ImageData?: unknown };
  if (g.ImageData === undefined) {
    g.ImageData = class ImageData {
      readonly data: Uint8ClampedArray;
      readonly width: number;
      readonly height: number;
      constructor(data: Uint8ClampedArray, width: number, height: number) {
        this.data = data;
        this.width = width;
        this.height = height;
      }
    };
  }
}

/**
 * Gives the codecs their precompiled modules. Call once at start-up; later calls are ignored.
 * Throws a TypeError when a module is missing or is not the expected decoder.
 */
export function initCodecs(modules: CodecModules): void {
  if (codecs) return;
  for (const key of ['jpeg', 'webp'] as const) {
    if (!(modules?.[key] instanceof WebAssembly.Module)) {
      throw new TypeError(`initCodecs: modules.${key} must be a WebAssembly.Module`);
    }
  }
  ensureImageData();
  const jpeg = mozjpegFactory as unknown as EmscriptenFactory<JpegModule>;
  const webp = webpFactory as unknown as EmscriptenFactory<WebpModule>;
  codecs = {
    // preserveOrientation=false: MozJPEG keeps the stored pixel order; orientation is applied by us, if asked.
    jpeg: new CodecSlot('JPEG', () => emscriptenCodec(jpeg, modules.jpeg, (mod, bytes) => mod.decode(bytes, false))),
    webp: new CodecSlot('WebP', () => emscriptenCodec(webp, modules.webp, (mod, bytes) => mod.decode(bytes))),
  };
}

/**
 * The codecs' WebAssembly memory: `liveBytes` held by the instances kept now, `peakBytes` the most the live
 * instances held together at the end of any decode so far (an instance dropped after a large image is
 * counted until it is dropped; its memory goes at the next garbage collection).
 */
export function codecMemoryStats(): { readonly liveBytes: number; readonly peakBytes: number } {
  return { liveBytes: slots.reduce((sum, slot) => sum + slot.liveBytes(), 0), peakBytes: peakLiveBytes };
}

/** Whether `initCodecs` has been called. */
export function codecsReady(): boolean {
  return codecs !== undefined;
}

function ready(): Codecs {
  if (!codecs) {
    throw new Error('image codecs are not initialised: call initCodecs({ jpeg, webp }) first');
  }
  return codecs;
}

/** Decodes a JPEG to RGBA (gray is replicated; CMYK is not supported by MozJPEG's RGBA output). */
export function decodeJpegRgba(bytes: Uint8Array): Promise<CodecResult> {
  return ready().jpeg.decode(bytes);
}

/** Decodes a still WebP (lossy or lossless) to RGBA. */
export function decodeWebpRgba(bytes: Uint8Array): Promise<CodecResult> {
  return ready().webp.decode(bytes);
}
