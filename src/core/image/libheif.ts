/**
 * @module HEIC decoding through libheif's C API (libheif-js 1.23: libheif + libde265 built with emscripten):
 * the primary image, transformations NOT applied (irot/imir/clap: orientation is ours, as for JPEG's EXIF),
 * decoded to 8-bit interleaved RGB (libheif reduces 10/12-bit samples itself) and copied out row by row.
 *
 * The C API is used rather than libheif-js's `HeifDecoder` wrapper: the wrapper applies the transformations,
 * decodes on a timer and logs to the console. Every allocation made here is released in `finally`.
 */

/** The raw exports of libheif's emscripten build that are used here (names as the module exposes them). */
export interface LibheifModule {
  readonly HEAPU8: Uint8Array;
  readonly HEAP32: Int32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _heif_context_alloc(): number;
  _heif_context_free(ctx: number): void;
  _heif_context_get_security_limits(ctx: number): number;
  _heif_context_read_from_memory(err: number, ctx: number, data: number, size: number, options: number): void;
  _heif_context_get_primary_image_handle(err: number, ctx: number, handleOut: number): void;
  _heif_image_handle_release(handle: number): void;
  _heif_decoding_options_alloc(): number;
  _heif_decoding_options_free(options: number): void;
  _heif_decode_image(err: number, handle: number, imageOut: number, colorspace: number, chroma: number, options: number): void;
  _heif_image_get_plane_readonly(image: number, channel: number, strideOut: number): number;
  _heif_image_get_width(image: number, channel: number): number;
  _heif_image_get_height(image: number, channel: number): number;
  _heif_image_release(image: number): void;
}

// libheif's enum values (heif_colorspace_RGB, heif_chroma_interleaved_RGB, heif_channel_interleaved).
const COLORSPACE_RGB = 1;
const CHROMA_INTERLEAVED_RGB = 10;
const CHANNEL_INTERLEAVED = 10;
/** Byte offsets in libheif 1.23's structs (wasm32): heif_decoding_options.ignore_transformations, and
 * heif_security_limits.max_image_size_pixels (uint64 after the version byte, 8-aligned). */
const OPTIONS_IGNORE_TRANSFORMATIONS = 1;
const LIMITS_MAX_IMAGE_SIZE_PIXELS = 8;

/** 8-bit RGB pixels, `width * 3` bytes a row. */
export interface RgbPixels {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

/** A libheif error, carrying its message; the caller turns it into `ImageError('malformed')`. */
export class LibheifError extends Error {
  override readonly name = 'LibheifError';
}

/** A NUL-terminated C string from wasm memory (at most 300 bytes: libheif's messages are short). */
function cString(heap: Uint8Array, ptr: number): string {
  let end = ptr;
  while (end < heap.length && end - ptr < 300 && heap[end] !== 0) end++;
  return new TextDecoder().decode(heap.subarray(ptr, end));
}

function check(mod: LibheifModule, err: number, what: string): void {
  const code = mod.HEAP32[err >> 2]!;
  if (code === 0) return;
  const messagePtr = mod.HEAP32[(err >> 2) + 2]!;
  const message = messagePtr ? cString(mod.HEAPU8, messagePtr) : '';
  throw new LibheifError(`${what}: ${message || `error ${code}`}`);
}

/**
 * Decodes the primary image of a HEIF file to RGB, as stored. `maxPixels` is also handed to libheif as its
 * security limit, so an image or grid inside the file that claims more is refused before it is allocated.
 */
export function decodeHeifPrimary(mod: LibheifModule, bytes: Uint8Array, maxPixels: number): RgbPixels {
  const ctx = mod._heif_context_alloc();
  if (!ctx) throw new LibheifError('could not allocate a context');
  // One scratch block: heif_error (12 bytes) + 3 out-pointers.
  const scratch = mod._malloc(32);
  const data = mod._malloc(bytes.length);
  const options = mod._heif_decoding_options_alloc();
  let handle = 0;
  let image = 0;
  try {
    if (!scratch || !data || !options) throw new LibheifError('out of memory');
    const limits = mod._heif_context_get_security_limits(ctx);
    // uint64 little-endian: low word the limit, high word 0.
    mod.HEAP32[(limits + LIMITS_MAX_IMAGE_SIZE_PIXELS) >> 2] = maxPixels;
    mod.HEAP32[(limits + LIMITS_MAX_IMAGE_SIZE_PIXELS + 4) >> 2] = 0;
    mod.HEAPU8.set(bytes, data);
    const err = scratch;
    const out = scratch + 16;
    mod._heif_context_read_from_memory(err, ctx, data, bytes.length, 0);
    check(mod, err, 'reading the container');
    mod._heif_context_get_primary_image_handle(err, ctx, out);
    check(mod, err, 'finding the primary image');
    handle = mod.HEAP32[out >> 2]!;
    mod.HEAPU8[options + OPTIONS_IGNORE_TRANSFORMATIONS] = 1;
    mod._heif_decode_image(err, handle, out, COLORSPACE_RGB, CHROMA_INTERLEAVED_RGB, options);
    check(mod, err, 'decoding the primary image');
    image = mod.HEAP32[out >> 2]!;
    const width = mod._heif_image_get_width(image, CHANNEL_INTERLEAVED);
    const height = mod._heif_image_get_height(image, CHANNEL_INTERLEAVED);
    const plane = mod._heif_image_get_plane_readonly(image, CHANNEL_INTERLEAVED, out + 4);
    const stride = mod.HEAP32[(out + 4) >> 2]!;
    if (!plane || width <= 0 || height <= 0 || stride < width * 3) throw new LibheifError('decoder returned no RGB plane');
    const rowBytes = width * 3;
    const rgb = new Uint8Array(rowBytes * height);
    const heap = mod.HEAPU8; // read after decoding: memory may have grown (a new buffer) meanwhile
    for (let y = 0; y < height; y++) rgb.set(heap.subarray(plane + y * stride, plane + y * stride + rowBytes), y * rowBytes);
    return { width, height, rgb };
  } finally {
    if (image) mod._heif_image_release(image);
    if (handle) mod._heif_image_handle_release(handle);
    if (options) mod._heif_decoding_options_free(options);
    if (data) mod._free(data);
    if (scratch) mod._free(scratch);
    mod._heif_context_free(ctx);
  }
}
