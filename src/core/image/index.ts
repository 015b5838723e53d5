/** @module The runtime-agnostic image core: bytes -> RGB -> resized -> model input tensor. */

export { initCodecs, codecsReady, type CodecModules } from './codecs.ts';
export { decodeBmp, openBmpRows } from './bmp.ts';
export { MAX_JPEG_COEFFICIENT_BYTES, MAX_JPEG_SCANS, openJpegRows, type JpegRowOptions } from './jpeg/rows.ts';
export { isLosslessWebp, maxPixelsFor, type PixelLimit, wholeImageMaxPixels } from './limits.ts';
export { openRows, type OpenRowsOptions } from './open-rows.ts';
export { decodeForModel, decodeImage, type ModelDecodeOptions } from './pipeline.ts';
export { AVIF_MAX_MEMORY_BYTES, AVIF_MAX_PIXELS, HEIC_MAX_MEMORY_BYTES, HEIC_MAX_PIXELS, openHeifRows } from './heif.ts';
export { applyOrientation } from './orientation.ts';
export { isInterlacedPng, openPngRows, readPngHeader, type PngHeader } from './png/index.ts';
export { toTensor } from './preprocess.ts';
export { probeImage } from './probe.ts';
export { resizeRgb } from './resize.ts';
export { resizeRows, type ResizeRowsOptions } from './resize-stream.ts';
export { readAllRows, rgbImageRows, type RowSource } from './rows.ts';
export { sniffFormat } from './sniff.ts';
export {
  ImageError,
  type DecodeOptions,
  type ExifOrientation,
  type ImageErrorCode,
  type ImageFormat,
  type ImageInfo,
  type OrientationMode,
  type ResampleMode,
  type RgbImage,
} from './types.ts';
