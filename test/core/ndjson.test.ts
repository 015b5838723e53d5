/** NDJSON helpers: float32s written so that they parse back to the same bits, and a stream read a line at a time. */
import { describe, expect, it } from 'vitest';
import { float32ArrayText, readLines, StreamTooLarge } from '../../src/core/util/ndjson.ts';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('float32 text', () => {
  it('JS shortest round-trip of the float64 of every sampled float32 parses back to the same float32 bits (and -0 keeps its sign)', () => {
    const bits = new Uint32Array(200_000);
    let x = 12345;
    for (let i = 0; i < bits.length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      bits[i] = (x >>> 23) % 256 === 255 ? x & ~(1 << 30) : x; // no NaN or Infinity
    }
    bits.set([0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x7f7fffff, 0xff7fffff, 0x3f800000], 0);
    const values = new Float32Array(bits.buffer);
    const back = Float32Array.from(JSON.parse(float32ArrayText(values)) as number[]);
    expect(Array.from(new Uint32Array(back.buffer))).toEqual(Array.from(bits));
  });
});

describe('readLines', () => {
  it('splits across chunks, reads CRLF and a last line without a newline, numbers lines from 1', async () => {
    const lines = [];
    for await (const line of readLines(streamOf(['a\r\nb', 'c\n\n', 'dé', '\u00e9f']))) lines.push(line);
    expect(lines).toEqual([
      { number: 1, text: 'a' },
      { number: 2, text: 'bc' },
      { number: 3, text: '' },
      { number: 4, text: 'dééf' },
    ]);
  });

  it('gives the whole lines before a byte limit, then throws StreamTooLarge', async () => {
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const line of readLines(streamOf(['one\ntwo\nthr', 'ee\n']), 10)) seen.push(line.text);
      })(),
    ).rejects.toBeInstanceOf(StreamTooLarge);
    expect(seen).toEqual(['one', 'two']);
  });
});
