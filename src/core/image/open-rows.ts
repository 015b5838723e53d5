/**
 * @module The registry of row sources: one function that opens a RowSource for any accepted format. JPEG,
 * PNG and BMP stream (an interlaced PNG is decoded whole inside its source); formats without a streaming
 * decoder are decoded whole (decode.ts, gif.ts, heif.ts) and served by `rgbImageRows` (limits.ts caps their pixels).
 */

import { openBmpRows } from './bmp.ts';
import { decodeWebp } from './decode.ts';
import { decodeGif } from './gif.ts';
import { openHeifRows } from './heif.ts';
import { openJpegRows } from './jpeg/rows.ts';
import { openPngRows } from './png/index.ts';
import { type RowSource, rgbImageRows } from './rows.ts';
import { ImageError, type ImageInfo } from './types.ts';

export interface OpenRowsOptions {
  /** The pixel limit that applied to this image: a GIF's first frame may enlarge its canvas up to it. */
  readonly maxPixels: number;
}

async function openFormat(bytes: Uint8Array, info: ImageInfo, options: OpenRowsOptions): Promise<RowSource> {
  switch (info.format) {
    case 'jpeg':
      return openJpegRows(bytes, { maxPixels: options.maxPixels });
    case 'png':
      return openPngRows(bytes);
    case 'webp':
      return rgbImageRows(await decodeWebp(bytes));
    case 'gif':
      return rgbImageRows(decodeGif(bytes, options.maxPixels));
    case 'bmp':
      return openBmpRows(bytes);
    case 'avif':
    case 'heic':
      return openHeifRows(info.format, bytes, info.width, info.height);
  }
}

/**
 * Opens a row source positioned before the first stored row, after checking that the data's size is the
 * header's (a GIF's first frame may extend the logical screen: PIL enlarges the canvas the same way).
 * The caller must `close()` it (and `finish()` it once every row is read or skipped).
 */
export async function openRows(bytes: Uint8Array, info: ImageInfo, options: OpenRowsOptions): Promise<RowSource> {
  const source = await openFormat(bytes, info, options);
  const sizeOk =
    info.format === 'gif'
      ? source.width >= info.width && source.height >= info.height
      : source.width === info.width && source.height === info.height;
  if (!sizeOk) {
    source.close();
    throw new ImageError(
      'malformed',
      `${info.format} header says ${info.width}x${info.height} but the data decodes to ${source.width}x${source.height}`,
    );
  }
  return source;
}
