/**
 * @module The WASM codecs (libjpeg-turbo built here; @jsquash's libwebp and libavif + aom; libheif-js's libheif +
 * libde265), given as precompiled modules.
 *
 * workerd forbids compiling WebAssembly from bytes at run time, so the runtime adapter imports the
 * `.wasm` files as modules and calls `initCodecs` once. Instances are created lazily and replaced after
 * any decoding failure (a C decoder that fails mid-call leaves leaked stack and heap behind) and
 * after large images (WebAssembly memory never shrinks; a fresh instance lets the old memory be collected).
 */

import avifFactory from '@jsquash/avif/codec/dec/avif_dec.js';
import webpFactory from '@jsquash/webp/codec/dec/webp_dec.js';
import { AVIF_MAX_MEMORY_BYTES, HEIC_MAX_MEMORY_BYTES, HEIC_MAX_PIXELS } from './heif-limits.ts';
import { LibjpegInstance, checkLibjpegModule } from './jpeg/libjpeg.ts';
import { decodeHeifPrimary, type LibheifModule, type RgbPixels } from './libheif.ts';
import libheifFactory from './vendor/libheif/libheif-glue.js';

/** An RGBA image as a codec returns it. */
export interface RgbaPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Precompiled decoder modules, one per WASM codec. */
export interface CodecModules {
  /** src/core/image/jpeg/libjpeg-turbo.wasm (built by tools/codecs/jpeg/build.sh) */
  readonly jpeg: WebAssembly.Module;
  /** node_modules/@jsquash/webp/codec/dec/webp_dec.wasm */
  readonly webp: WebAssembly.Module;
  /** node_modules/@jsquash/avif/codec/dec/avif_dec.wasm (optional: without it AVIF is refused as unsupported) */
  readonly avif?: WebAssembly.Module;
  /** node_modules/libheif-js/libheif-wasm/libheif.wasm (optional: without it HEIC is refused as unsupported) */
  readonly heic?: WebAssembly.Module;
}

/** An instance whose wasm memory has grown past this is dropped after use rather than kept. */
export const RECYCLE_MEMORY_BYTES = 32 * 1024 * 1024;

/** A decode that produced pixels, with the decoder's warnings (libjpeg prints them, e.g. on truncation). */
export interface CodecResult<P = RgbaPixels> {
  readonly pixels: P;
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

interface WebpModule extends EmscriptenModule {
  decode(data: Uint8Array): RgbaPixels | null;
}

interface AvifModule extends EmscriptenModule {
  /** bitDepth 8: libavif converts to 8-bit RGBA itself (avifRGBImage.depth = 8), as `avifdec --depth 8` does. */
  decode(data: Uint8Array, bitDepth: 8): RgbaPixels | null;
}

type HeicModule = EmscriptenModule & LibheifModule;

type EmscriptenFactory<M> = (options: EmscriptenOptions) => Promise<M>;

/** Anything a slot holds: a live instance whose WebAssembly memory can be measured. */
interface Instance {
  memoryBytes(): number;
}

/** One live one-shot decoder instance: `run` must stay synchronous so no other call can interleave with it. */
interface Codec<P = RgbaPixels> extends Instance {
  run(bytes: Uint8Array): P | null;
  readonly messages: string[];
}
/** The message a capped codec records when it refused to grow (see {@link capMemory}). */
export const MEMORY_CAP_MESSAGE = 'codec memory cap reached';

/**
 * Caps an instance's memory: emscripten grows its heap by calling `grow` on the exported Memory inside a
 * try/catch, so a refusal makes malloc return NULL and the decoder fail cleanly (a bitstream that codes a far
 * larger image than its header claims then costs at most `maxBytes`, not the 2 GiB the module allows).
 * Each refusal is recorded in `messages` as `MEMORY_CAP_MESSAGE (<bytes>)`.
 */
function capMemory(instance: WebAssembly.Instance, maxBytes: number, messages: string[]): void {
  for (const value of Object.values(instance.exports)) {
    if (!(value instanceof WebAssembly.Memory)) continue;
    const memory = value;
    Object.defineProperty(memory, 'grow', {
      value(pages: number): number {
        if (memory.buffer.byteLength + pages * 65536 > maxBytes) {
          messages.push(`${MEMORY_CAP_MESSAGE} (${maxBytes} bytes)`);
          throw new RangeError(MEMORY_CAP_MESSAGE);
        }
        return WebAssembly.Memory.prototype.grow.call(memory, pages);
      },
    });
  }
}

async function emscriptenCodec<M extends EmscriptenModule, P = RgbaPixels>(
  factory: EmscriptenFactory<M>,
  module: WebAssembly.Module,
  run: (mod: M, bytes: Uint8Array) => P | null,
  maxMemoryBytes?: number,
): Promise<Codec<P>> {
  const messages: string[] = [];
  const mod = await factory({
    // Just instantiate: never run main(), never fetch the .wasm file.
    noInitialRun: true,
    instantiateWasm(imports, receive) {
      const instance = new WebAssembly.Instance(module, imports);
      if (maxMemoryBytes !== undefined) capMemory(instance, maxMemoryBytes, messages);
      receive(instance);
      return instance.exports;
    },
    print: (text) => messages.push(text),
    printErr: (text) => messages.push(text),
  });
  return { run: (bytes) => run(mod, bytes), messages, memoryBytes: () => mod.HEAPU8.buffer.byteLength };
}

/** Every slot, for {@link codecMemoryStats}. */
const slots: CodecSlot<Instance>[] = [];
/** The most WebAssembly memory the live codec instances held together, at the end of any decode. */
let peakLiveBytes = 0;

/**
 * Holds at most one instance of a codec; hands it out, replaces it when it failed or grew too big. An
 * instance dropped while some streaming decode still uses it stays usable by that decode; later decodes get
 * a fresh one.
 */
export class CodecSlot<C extends Instance> {
  readonly #name: string;
  readonly #create: () => Promise<C>;
  #current: Promise<C> | undefined;
  /** The instance `#current` resolved to, while it is current (read synchronously by the stats). */
  #live: C | undefined;

  constructor(name: string, create: () => Promise<C>) {
    this.#name = name;
    this.#create = create;
    slots.push(this);
  }

  /** Bytes of the live instance's WebAssembly memory (0 when none is live). */
  liveBytes(): number {
    return this.#live?.memoryBytes() ?? 0;
  }

  /**
   * The current instance (created on first use). The caller uses it without awaiting anything in between
   * for a one-shot decode, and calls `release` when done with it.
   */
  async acquire(): Promise<C> {
    const pending = (this.#current ??= this.#create());
    let codec: C;
    try {
      codec = await pending;
    } catch (cause) {
      if (this.#current === pending) this.#current = undefined;
      throw new Error(`${this.#name} decoder could not be instantiated`, { cause });
    }
    // Another call dropped this instance while we waited for it: take a fresh one.
    if (this.#current !== pending) return this.acquire();
    this.#live = codec;
    return codec;
  }

  /**
   * Done with `codec` for now: records the memory high-water mark, and drops the instance when the use
   * failed (a decoder that threw mid-call leaves its stack and heap behind) or its memory grew too big.
   */
  release(codec: C, failed: boolean): void {
    if (this.#live !== codec) return; // already dropped
    peakLiveBytes = Math.max(
      peakLiveBytes,
      slots.reduce((sum, slot) => sum + slot.liveBytes(), 0),
    );
    if (failed || codec.memoryBytes() > RECYCLE_MEMORY_BYTES) {
      this.#current = undefined;
      this.#live = undefined;
    }
  }
}

/** A one-shot decode on a slot's instance, its failures and warnings reported as `CodecFailure`. */
async function decodeWith<P>(slot: CodecSlot<Codec<P>>, name: string, bytes: Uint8Array): Promise<CodecResult<P>> {
  const codec = await slot.acquire();
  // From here to the end nothing awaits: no other decode can use this instance meanwhile.
  codec.messages.length = 0;
  let pixels: P | null;
  try {
    pixels = codec.run(bytes);
  } catch (cause) {
    slot.release(codec, true);
    throw new CodecFailure(`${name} decoder failed`, [...codec.messages], { cause });
  }
  const messages = [...codec.messages];
  slot.release(codec, !pixels);
  if (!pixels) throw new CodecFailure(`${name} decoder returned no image`, messages);
  return { pixels, warnings: messages };
}

interface Codecs {
  readonly jpeg: CodecSlot<LibjpegInstance>;
  readonly webp: CodecSlot<Codec>;
  readonly avif: CodecSlot<Codec> | undefined;
  readonly heic: CodecSlot<Codec<RgbPixels>> | undefined;
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
  for (const key of ['avif', 'heic'] as const) {
    if (modules[key] !== undefined && !(modules[key] instanceof WebAssembly.Module)) {
      throw new TypeError(`initCodecs: modules.${key} must be a WebAssembly.Module when given`);
    }
  }
  checkLibjpegModule(modules.jpeg);
  ensureImageData();
  const webp = webpFactory as unknown as EmscriptenFactory<WebpModule>;
  codecs = {
    jpeg: new CodecSlot('JPEG', async () => new LibjpegInstance(modules.jpeg)),
    webp: new CodecSlot('WebP', () => emscriptenCodec(webp, modules.webp, (mod, bytes) => mod.decode(bytes))),
    avif: optionalSlot('AVIF', modules.avif, (module) =>
      emscriptenCodec(
        avifFactory as unknown as EmscriptenFactory<AvifModule>,
        module,
        (mod, bytes) => mod.decode(bytes, 8),
        AVIF_MAX_MEMORY_BYTES,
      ),
    ),
    heic: optionalSlot('HEIC', modules.heic, (module) =>
      emscriptenCodec(
        libheifFactory as unknown as EmscriptenFactory<HeicModule>,
        module,
        // libheif checks the coded size, which HEVC pads to whole coding blocks: leave room for that.
        (mod, bytes) => decodeHeifPrimary(mod, bytes, Math.ceil(HEIC_MAX_PIXELS * 1.05)),
        HEIC_MAX_MEMORY_BYTES,
      ),
    ),
  };
}

function optionalSlot<P>(
  name: string,
  module: WebAssembly.Module | undefined,
  create: (module: WebAssembly.Module) => Promise<Codec<P>>,
): CodecSlot<Codec<P>> | undefined {
  return module ? new CodecSlot(name, () => create(module)) : undefined;
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

/** The libjpeg-turbo slot, for the streaming JPEG decoder (jpeg/rows.ts). */
export function jpegSlot(): CodecSlot<LibjpegInstance> {
  return ready().jpeg;
}

/** Decodes a still WebP (lossy or lossless) to RGBA. */
export function decodeWebpRgba(bytes: Uint8Array): Promise<CodecResult> {
  return decodeWith(ready().webp, 'WebP', bytes);
}

/** Whether an AVIF / HEIC decoder module was given to `initCodecs`. */
export function hasCodec(format: 'avif' | 'heic'): boolean {
  return ready()[format] !== undefined;
}

/** Decodes an AVIF's primary image to 8-bit RGBA as stored (libavif: no irot/imir/clap applied). */
export function decodeAvifRgba(bytes: Uint8Array): Promise<CodecResult> {
  const slot = ready().avif;
  if (!slot) throw new Error('no AVIF decoder module was given to initCodecs');
  return decodeWith(slot, 'AVIF', bytes);
}

/** Decodes a HEIC's primary image to 8-bit RGB as stored (libheif with its transformations turned off). */
export function decodeHeicRgb(bytes: Uint8Array): Promise<CodecResult<RgbPixels>> {
  const slot = ready().heic;
  if (!slot) throw new Error('no HEIC decoder module was given to initCodecs');
  return decodeWith(slot, 'HEIC', bytes);
}
