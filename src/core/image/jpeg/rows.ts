/**
 * @module JPEG -> RowSource: libjpeg-turbo 2.1.5 (the library PIL 9.4 uses here) decodes rows on demand, in
 * the colour space PIL asks it for (RGB for YCbCr/RGB files, gray, CMYK), and pixels.ts turns them into the
 * RGB that PIL's `convert('RGB')` gives, bit for bit.
 *
 * Memory: a single-scan (baseline) JPEG is decoded a few rows at a time, whatever its height. A progressive
 * or multiscan one needs every DCT coefficient buffered first (2 bytes a sample); that buffer's size is read
 * from the header and refused above `MAX_JPEG_COEFFICIENT_BYTES` before any decoding.
 */

import { jpegSlot } from '../codecs.ts';
import type { RowSource } from '../rows.ts';
import { ImageError } from '../types.ts';
import { JCS, LibjpegError, type LibjpegDecoder, type LibjpegHeader } from './libjpeg.ts';
import { scanJpeg } from './markers.ts';
import { cmykToRgb, grayToRgb } from './pixels.ts';

/** More start-of-scan markers than this is a decompression bomb, not a photo (encoders write about 10). */
export const MAX_JPEG_SCANS = 256;

/**
 * The most a progressive or multiscan JPEG may need for its whole-image coefficient buffer (2 bytes a
 * sample): 36 MiB is a 4:2:0 image of about 12.6 MP, so a 12 MP progressive photo (34.9 MiB) decodes, and a
 * 4:4:4 one of about 6.3 MP. Larger ones are refused as `too_many_pixels` from the header. Beside int8 VGG16
 * (~57 MiB) that keeps the isolate near 95 MiB at worst, under its 128 MB; baseline JPEGs stream and need none.
 */
export const MAX_JPEG_COEFFICIENT_BYTES = 36 * 1024 * 1024;

/** libjpeg's own cap (max_memory_to_use): the coefficient buffer plus its small tables, as a backstop. */
const LIBJPEG_MAX_MEMORY = MAX_JPEG_COEFFICIENT_BYTES + 8 * 1024 * 1024;

/** libjpeg's JWRN_JPEG_EOF: the data ended before the image did (libjpeg would pad with grey; PIL refuses). */
const JPEG_TRUNCATED_WARNING = 'Premature end of JPEG file';

export interface JpegRowOptions {
  /** Largest width * height that will be decoded; more => `too_many_pixels`. */
  readonly maxPixels: number;
}

/** How a JPEG's samples become RGB. */
type Conversion = 'rgb' | 'gray' | 'cmyk';

function conversionOf(header: LibjpegHeader): Conversion {
  switch (header.components) {
    case 1:
      return 'gray';
    case 3:
      return 'rgb';
    case 4:
      return 'cmyk';
    default:
      // PIL refuses these too ("cannot handle 2-layer images").
      throw new ImageError('unsupported_format', `JPEG with ${header.components} components is not supported`);
  }
}

function checkHeader(header: LibjpegHeader, options: JpegRowOptions): void {
  const pixels = header.width * header.height;
  if (pixels > options.maxPixels) {
    throw new ImageError('too_many_pixels', `${header.width}x${header.height} is ${pixels} pixels (at most ${options.maxPixels})`);
  }
  if (header.coefficientBytes > MAX_JPEG_COEFFICIENT_BYTES) {
    const kind = header.progressive ? 'progressive' : 'multiscan';
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    throw new ImageError(
      'too_many_pixels',
      `${header.width}x${header.height} ${kind} JPEG needs ${mib(header.coefficientBytes)} of coefficient buffer (at most ${mib(MAX_JPEG_COEFFICIENT_BYTES)}); a baseline JPEG of this size would stream`,
    );
  }
}

function malformed(error: unknown): ImageError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ImageError('malformed', `corrupt jpeg data: ${reason}`, { cause: error });
}

/** Whether libjpeg (or the wasm machine under it) failed, as opposed to our own checks. */
function isDecoderFailure(error: unknown): boolean {
  return error instanceof LibjpegError || error instanceof WebAssembly.RuntimeError || error instanceof RangeError;
}

/**
 * Opens a JPEG for reading row by row. Throws `ImageError`: `malformed` (corrupt data, too many scans,
 * truncated), `unsupported_format` (not 1, 3 or 4 components) or `too_many_pixels` (over `maxPixels`, or a
 * progressive/multiscan image whose coefficient buffer is over `MAX_JPEG_COEFFICIENT_BYTES`), all found in the
 * header before any pixel is decoded.
 */
export async function openJpegRows(bytes: Uint8Array, options: JpegRowOptions): Promise<RowSource> {
  if (!(options.maxPixels > 0)) throw new RangeError('maxPixels must be a positive number');
  const layout = scanJpeg(bytes);
  if (layout.scans > MAX_JPEG_SCANS) {
    throw new ImageError('malformed', `JPEG has ${layout.scans} scans (at most ${MAX_JPEG_SCANS} accepted)`);
  }
  const slot = jpegSlot();
  const lib = await slot.acquire();
  // From here on nothing awaits.
  let decoder: LibjpegDecoder | undefined;
  let open = true;

  /** Ends the decode: frees the decoder (or, after a decoder failure, drops the whole instance). */
  const end = (failed: boolean) => {
    if (!open) return;
    open = false;
    if (failed) decoder?.abandon();
    else decoder?.destroy();
    slot.release(lib, failed);
  };
  /** Runs a step; a decoder failure ends the decode and becomes `malformed`, our own errors just end it. */
  const step = <T>(run: () => T): T => {
    let result: T;
    try {
      result = run();
    } catch (error) {
      const failed = isDecoderFailure(error);
      end(failed);
      throw failed ? malformed(error) : error;
    }
    if (decoder?.warnings.some((w) => w.startsWith(JPEG_TRUNCATED_WARNING))) {
      end(false);
      throw new ImageError('malformed', 'truncated jpeg data');
    }
    return result;
  };

  decoder = step(() => lib.open(bytes, LIBJPEG_MAX_MEMORY));
  const opened = decoder;
  const { header } = opened;
  const conversion = step(() => {
    const conversion = conversionOf(header);
    checkHeader(header, options);
    return conversion;
  });
  const outSpace = conversion === 'gray' ? JCS.GRAYSCALE : conversion === 'cmyk' ? JCS.CMYK : JCS.RGB;
  step(() => opened.start(outSpace));

  const { width, height } = header;
  let next = 0;
  const checkRows = (count: number) => {
    if (!open) throw new RangeError('the JPEG decoder is closed');
    if (!Number.isInteger(count) || count < 0 || next + count > height) {
      throw new RangeError(`rows ${next}..${next + count - 1} are not within 0..${height - 1}`);
    }
  };

  return {
    width,
    height,
    readRow(out) {
      checkRows(1);
      if (out.length < width * 3) throw new RangeError(`row buffer holds ${out.length} bytes, ${width * 3} needed`);
      step(() => {
        const row = opened.readRow();
        if (conversion === 'rgb') out.set(row);
        else if (conversion === 'gray') grayToRgb(row, out, width);
        else cmykToRgb(row, out, width);
      });
      next++;
    },
    skipRows(count) {
      checkRows(count);
      if (count === 0) return;
      step(() => opened.skipRows(count));
      next += count;
    },
    finish() {
      if (!open) throw new RangeError('the JPEG decoder is closed');
      if (next !== height) throw new RangeError(`finish() after ${next} of ${height} rows`);
      step(() => opened.finish());
      end(false);
    },
    close() {
      end(false);
    },
  };
}
