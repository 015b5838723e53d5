/**
 * @module The zlib stream spread over a PNG's IDAT chunks, inflated with fflate a slice at a time: input is
 * fed only when the next row needs more output, in slices sized from the compression ratio seen so far to
 * give about {@link TARGET_OUTPUT_BYTES} (or the rest of the row, if more), so the inflated bytes waiting to be
 * read stay near one row however compressible the image is. (Each push costs fflate a fresh ~160 KiB buffer,
 * so much smaller outputs per push would spend more time allocating than inflating.)
 *
 * fflate's streaming `Inflate` cannot stop mid-slice, and DEFLATE can expand up to ~1032 times, so a slice
 * may grow to at most twice the previous one and never past {@link MAX_SLICE_BYTES}: a crafted stream that
 * turns into a bomb after compressing poorly can make one push allocate at most ~1032 x 16 KiB (16.5 MiB).
 * Output beyond the image's size (a zlib bomb, or extra data) is refused right after the push that produced
 * it. Once the DEFLATE stream has ended nothing more is pushed: data after it (the Adler-32 trailer, or junk)
 * is ignored, as PIL ignores it, and fflate, which would keep appending such input to its own buffer, never
 * sees it. The Adler-32 trailer is not checked (PIL only sees it when it arrives with the last row's data).
 */

import { Inflate } from 'fflate';
import { pngMalformed } from './chunks.ts';

/** Smallest slice pushed: below this fflate's fixed per-push cost (a 32 KiB window copy) dominates. */
export const MIN_SLICE_BYTES = 64;
/** Largest slice pushed: one push then makes at most ~1032 times this (about 16 MiB). */
export const MAX_SLICE_BYTES = 16 * 1024;
/** Output aimed at per push, when a row needs less. */
export const TARGET_OUTPUT_BYTES = 64 * 1024;

/** What the inflater held, for tests and measurements. */
export interface InflateStats {
  /** Most inflated bytes waiting to be read at once (after a push). */
  peakPendingBytes: number;
  /** Largest slice of compressed input pushed at once. */
  peakSliceBytes: number;
  /** Pushes made. */
  pushes: number;
}

/** Reads exactly `expected` inflated bytes from the IDAT ranges, in pieces. */
export class IdatInflater {
  readonly stats: InflateStats = { peakPendingBytes: 0, peakSliceBytes: 0, pushes: 0 };
  readonly #bytes: Uint8Array;
  readonly #ranges: readonly (readonly [number, number])[];
  readonly #expected: number;
  #range = 0;
  #offset: number;
  #inflate: Inflate | undefined;
  /** Inflated chunks not yet read; `#head` is the read position in the first. */
  #queue: Uint8Array[] = [];
  #head = 0;
  #pending = 0;
  #totalIn = 0;
  #totalOut = 0;
  #lastIn = 0;
  #lastOut = 0;
  #lastSlice = MIN_SLICE_BYTES / 2;

  constructor(bytes: Uint8Array, ranges: readonly (readonly [number, number])[], expected: number) {
    this.#bytes = bytes;
    this.#ranges = ranges;
    this.#expected = expected;
    this.#offset = ranges[0]?.[0] ?? 0;
    this.#inflate = new Inflate((data) => {
      if (data.length === 0) return;
      this.#totalOut += data.length;
      this.#lastOut += data.length;
      this.#queue.push(data);
      this.#pending += data.length;
    });
    this.#readZlibHeader();
  }

  /** Copies the next `out.length` inflated bytes into `out`. */
  read(out: Uint8Array): void {
    let filled = 0;
    while (filled < out.length) {
      const chunk = this.#queue[0];
      if (!chunk) {
        this.#pushSlice(out.length - filled);
        continue;
      }
      const n = Math.min(chunk.length - this.#head, out.length - filled);
      out.set(chunk.subarray(this.#head, this.#head + n), filled);
      filled += n;
      this.#head += n;
      this.#pending -= n;
      if (this.#head === chunk.length) {
        this.#queue.shift();
        this.#head = 0;
      }
    }
  }

  /** After the last row: inflates the rest of the stream and refuses any output beyond the image. */
  finish(): void {
    while (!this.#ended() && this.#hasInput()) this.#pushSlice(MAX_SLICE_BYTES);
    this.close();
  }

  close(): void {
    this.#inflate = undefined;
    this.#queue = [];
    this.#pending = 0;
  }

  /**
   * Whether the DEFLATE stream's final block has ended: fflate's state (pinned version 0.8.3) keeps the last
   * block's BFINAL bit in `s.f` and the current block's code table in `s.l` (null between blocks).
   */
  #ended(): boolean {
    const state = (this.#inflate as unknown as { s?: { f?: number; l?: unknown } } | undefined)?.s;
    return state?.f === 1 && !state.l;
  }

  #hasInput(): boolean {
    while (this.#range < this.#ranges.length && this.#offset >= this.#ranges[this.#range]![1]) {
      this.#range++;
      this.#offset = this.#ranges[this.#range]?.[0] ?? 0;
    }
    return this.#range < this.#ranges.length;
  }

  /** The two zlib header bytes (they may straddle IDAT chunks): method 8, window <= 32 KiB, no dictionary. */
  #readZlibHeader(): void {
    const header: number[] = [];
    while (header.length < 2 && this.#hasInput()) header.push(this.#bytes[this.#offset++]!);
    if (header.length < 2) throw pngMalformed('image data ends inside the zlib header');
    const [cmf, flg] = header as [number, number];
    if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) throw pngMalformed('invalid zlib header');
    if (flg & 32) throw pngMalformed('zlib stream needs a preset dictionary');
    this.#totalIn = 2;
  }

  /** Pushes one slice sized to give about `need` bytes at the ratio seen so far. */
  #pushSlice(need: number): void {
    const inflate = this.#inflate;
    if (!inflate) throw new RangeError('the PNG inflater is closed');
    const ended = this.#ended();
    if (ended || !this.#hasInput()) {
      this.close();
      throw pngMalformed(`${ended ? 'the zlib stream' : 'image data'} ends after ${this.#totalOut} of ${this.#expected} bytes`);
    }
    const ratio = Math.max(1, this.#totalOut / this.#totalIn, this.#lastIn > 0 ? this.#lastOut / this.#lastIn : 0);
    const want = Math.min(
      MAX_SLICE_BYTES,
      2 * this.#lastSlice,
      Math.max(MIN_SLICE_BYTES, Math.ceil(Math.max(need, TARGET_OUTPUT_BYTES) / ratio)),
    );
    const end = Math.min(this.#ranges[this.#range]![1], this.#offset + want);
    const slice = this.#bytes.subarray(this.#offset, end);
    this.#offset = end;
    this.#lastIn = slice.length;
    this.#lastSlice = Math.max(MIN_SLICE_BYTES, slice.length);
    this.#lastOut = 0;
    this.#totalIn += slice.length;
    this.stats.pushes++;
    this.stats.peakSliceBytes = Math.max(this.stats.peakSliceBytes, slice.length);
    try {
      inflate.push(slice);
    } catch (cause) {
      this.close();
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw pngMalformed(`corrupt zlib data (${detail})`, { cause });
    }
    this.stats.peakPendingBytes = Math.max(this.stats.peakPendingBytes, this.#pending);
    if (this.#totalOut > this.#expected) {
      this.close();
      throw pngMalformed(`image data inflates past the ${this.#expected} bytes the header gives (extra data or a zlib bomb)`);
    }
  }
}
