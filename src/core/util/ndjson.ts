/**
 * @module NDJSON both ways: float32 vectors written so that they parse back to the same bits, and a byte stream
 * read a line at a time (never held whole), counting bytes and lines.
 *
 * A float32 widened to float64 and printed by JS's shortest round-trip (`String`) parses back to that float64
 * exactly, and the float64 narrows back to the same float32 (it is representable). The one value `String` and
 * `JSON.stringify` lose is the sign of zero: -0 is written "-0", which JSON.parse reads as -0.
 */

/** One float as JSON text that parses back to the same float32 (finite values only: JSON has no NaN). */
export function float32Text(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** A vector as a JSON array whose numbers parse back to the same float32 values. */
export function float32ArrayText(values: ArrayLike<number>): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) out += (i ? ',' : '') + float32Text(values[i]!);
  return `${out}]`;
}

/** One NDJSON line of an item: `{"id","values","metadata"}` and a newline. */
export function itemLine(id: string, values: ArrayLike<number>, metadata: unknown): string {
  return `{"id":${JSON.stringify(id)},"values":${float32ArrayText(values)},"metadata":${JSON.stringify(metadata)}}\n`;
}

export interface Line {
  /** 1-based. */
  readonly number: number;
  /** Without its line ending (LF or CRLF). */
  readonly text: string;
}

/** Thrown when the stream holds more than `maxBytes`; the whole lines before the limit were given. */
export class StreamTooLarge extends Error {
  override readonly name = 'StreamTooLarge';
  readonly maxBytes: number;
  constructor(maxBytes: number) {
    super(`the body is over ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
  }
}

/** Thrown for a line that is not UTF-8; the lines before it were given. */
export class LineNotUtf8 extends Error {
  override readonly name = 'LineNotUtf8';
  readonly line: number;
  constructor(line: number) {
    super(`line ${line} is not UTF-8`);
    this.line = line;
  }
}

const NEWLINE = 0x0a;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * The lines of a UTF-8 byte stream, in order, as they arrive; a last line without a newline counts. Lines are
 * split on the byte 0x0A (never part of a multi-byte UTF-8 character) and each decoded alone, so a line that is
 * not UTF-8 is named ({@link LineNotUtf8}) after the lines before it. Stops with {@link StreamTooLarge} once more
 * than `maxBytes` arrived (the whole lines within the limit are given first). Stopping early cancels the stream.
 */
export async function* readLines(stream: ReadableStream<Uint8Array>, maxBytes = Infinity): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const reader = stream.getReader();
  let pending: Uint8Array = new Uint8Array(0);
  let number = 0;
  let bytes = 0;
  let done = false;
  const decode = (line: Uint8Array): Line => {
    number++;
    let text: string;
    try {
      text = decoder.decode(line);
    } catch {
      throw new LineNotUtf8(number);
    }
    return { number, text: text.endsWith('\r') ? text.slice(0, -1) : text };
  };
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      bytes += chunk.value.byteLength;
      const over = bytes > maxBytes;
      // Over the limit: only the whole lines of what fits are given.
      const value = over ? chunk.value.subarray(0, chunk.value.byteLength - (bytes - maxBytes)) : chunk.value;
      const buffer = concat(pending, value);
      let start = 0;
      for (let end = buffer.indexOf(NEWLINE); end >= 0; end = buffer.indexOf(NEWLINE, start)) {
        yield decode(buffer.subarray(start, end));
        start = end + 1;
      }
      pending = buffer.slice(start);
      if (over) throw new StreamTooLarge(maxBytes);
    }
    done = true;
    if (pending.length > 0) yield decode(pending);
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
