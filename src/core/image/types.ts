/** @module Image types shared by decoding, resizing and preprocessing. */

/** Image formats the decoder accepts, named by their usual MIME subtype. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'bmp' | 'avif' | 'heic';

/** An 8-bit RGB image: `data` is row-major, 3 bytes per pixel, no padding. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** How to resize to the model's input size. `nearest` is what Keras `load_img` does by default. */
export type ResampleMode = 'nearest' | 'bilinear';

/**
 * EXIF orientation handling. `apply` turns the pixels the way viewers show the photo;
 * `ignore` keeps the stored pixel order, as Keras `load_img` (PIL without `exif_transpose`) does.
 */
export type OrientationMode = 'apply' | 'ignore';

/** Why an image could not be used. The HTTP layer maps each code to one status. */
export type ImageErrorCode =
  | 'unsupported_format' // magic bytes match no accepted format -> 415
  | 'malformed' //          truncated / corrupt data -> 400
  | 'too_many_pixels'; //   header dimensions over the limit, found before decoding -> 413

export class ImageError extends Error {
  readonly code: ImageErrorCode;
  constructor(code: ImageErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ImageError';
    this.code = code;
  }
}

/**
 * EXIF orientation tag value, 1 (as stored) .. 8. Formats without EXIF report 1. For AVIF/HEIC it is the
 * equivalent of the primary item's `irot`/`imir` transformations (their EXIF tag, if any, is not used).
 */
export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** What the header says, read before any pixel is decoded. Width and height are as stored (before orientation). */
export interface ImageInfo {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  readonly orientation: ExifOrientation;
}

export interface DecodeOptions {
  /** Largest width * height (as stored in the header) that will be decoded; more => `too_many_pixels`. */
  readonly maxPixels: number;
  readonly orientation: OrientationMode;
}
