/** @module Whole-image pixel limits of the AVIF and HEIC decoders (numbers only: codecs.ts and heif.ts share them). */

/**
 * Largest AVIF decoded (width x height). Measured in Node (tools/codecs/heif/measure.ts): the AV1 decoder's wasm
 * memory reaches 27.8 MiB at 1 MP, 46.4 at 2 MP, 83 at 4 MP, 263 at 12 MP (~18.5 bytes a pixel), and the
 * decode then holds RGBA (4) and RGB (3 bytes a pixel) in JavaScript: ~60 MiB at 2 MP, about what a 6 MP JPEG
 * decode holds, which with int8 VGG16 (~57 MiB) fits in one 128 MB isolate.
 */
export const AVIF_MAX_PIXELS = 2_000_000;

/**
 * Largest HEIC decoded. Measured in Node: libheif's wasm memory stays at its initial 16.25 MiB up to 2 MP, 19.5 MiB
 * at 4 MP, 37 at 8 MP, 85.7 at 12 MP; plus the RGB copy (3 bytes a pixel). Inside workerd an 8 MP HEIC took the
 * decoder to 61.3 MiB (`npm run bench:images`), which beside int8 VGG16 (~60 MiB: onnxruntime, compiled code,
 * JS heap) put the isolate near 146 MiB, over its 128 MB; 4 MP keeps it near 105 MiB.
 */
export const HEIC_MAX_PIXELS = 4_000_000;

/**
 * Most WebAssembly memory one AVIF / HEIC decoder instance may grow to: what actually bounds the isolate. The
 * pixel limits above are checked first, from the header; these caps also stop a file whose coded data is far
 * larger than its header (or whose sequence track or alpha item is) from growing the decoder toward 2 GiB.
 * A decode that hits the cap is refused as `too_many_pixels`. Measured high-water marks (Node,
 * tools/codecs/heif/measure.ts): AVIF 8-bit 4:2:0 46.4 MiB at 2 MP, but 12-bit 4:4:4 + alpha 112.8 MiB at 2 MP;
 * HEIC 8-bit 4:2:0 37 MiB at 8 MP, but 10-bit 4:4:4 128.9 MiB at 8 MP. So phone-typical files (8-bit or 10-bit
 * 4:2:0) decode up to the pixel limits, and heavier layouts are refused at smaller sizes.
 */
export const AVIF_MAX_MEMORY_BYTES = 64 * 1024 * 1024;
export const HEIC_MAX_MEMORY_BYTES = 64 * 1024 * 1024;
