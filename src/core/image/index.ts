/** @module The runtime-agnostic image core: bytes -> RGB -> resized -> model input tensor. */

export { initCodecs, codecsReady, type CodecModules } from './codecs.ts';
export { decodeImage, MAX_JPEG_SCANS } from './decode.ts';
export { AVIF_MAX_MEMORY_BYTES, AVIF_MAX_PIXELS, HEIC_MAX_MEMORY_BYTES, HEIC_MAX_PIXELS, openHeifRows } from './heif.ts';
export { applyOrientation } from './orientation.ts';
export { toTensor } from './preprocess.ts';
export { probeImage } from './probe.ts';
export { resizeRgb } from './resize.ts';
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
