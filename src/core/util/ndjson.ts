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

/** Thrown when the stream holds more than `maxBytes`; `lines` were whole before the limit. */
export class StreamTooLarge extends Error {
  override readonly name = 'StreamTooLarge';
  readonly maxBytes: number;
  constructor(maxBytes: number) {
    super(`the body is over ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
  }
}

/**
 * The lines of a UTF-8 byte stream, in order, as they arrive; a last line without a newline counts. Stops with
 * {@link StreamTooLarge} once more than `maxBytes` arrived (the lines before are given first). Stopping early
 * (break) cancels the stream.
 */
export async function* readLines(stream: ReadableStream<Uint8Array>, maxBytes = Infinity): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const reader = stream.getReader();
  let pending = '';
  let number = 0;
  let bytes = 0;
  let done = false;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) {
        pending += decoder.decode();
        break;
      }
      bytes += chunk.value.byteLength;
      const over = bytes > maxBytes;
      // Over the limit: only the whole lines of what fits are given.
      const value = over ? chunk.value.subarray(0, chunk.value.byteLength - (bytes - maxBytes)) : chunk.value;
      pending += decoder.decode(value, { stream: true });
      let start = 0;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
        const text = pending.slice(start, end);
        start = end + 1;
        yield { number: ++number, text: text.endsWith('\r') ? text.slice(0, -1) : text };
      }
      pending = pending.slice(start);
      if (over) throw new StreamTooLarge(maxBytes);
    }
    done = true;
    if (pending.length > 0) yield { number: ++number, text: pending.endsWith('\r') ? pending.slice(0, -1) : pending };
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
