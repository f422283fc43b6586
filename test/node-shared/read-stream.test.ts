/**
 * readStreamLimited (node-shared/read-stream.ts): the whole stream up to the limit, byte for
 * byte; one byte more cancels the stream and throws the caller's error.
 */
import { describe, expect, it } from 'vitest';
import { readStreamLimited } from '../../node-shared/read-stream.js';

/** streamOf serves `chunks` and records whether it was cancelled. */
function streamOf(chunks: number[][]): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(Uint8Array.from(chunks[i++]!));
      else c.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

const tooLarge = () => new Error('too large');

describe('readStreamLimited', () => {
  it('joins the chunks of a stream at or under the limit', async () => {
    expect(await readStreamLimited(streamOf([]).stream, 0, tooLarge)).toEqual(new Uint8Array(0));
    expect(await readStreamLimited(streamOf([[1, 2, 3]]).stream, 3, tooLarge)).toEqual(Uint8Array.from([1, 2, 3]));
    expect(await readStreamLimited(streamOf([[1], [], [2, 3], [4]]).stream, 4, tooLarge)).toEqual(Uint8Array.from([1, 2, 3, 4]));
  });

  it('cancels the stream and throws once one byte more than the limit arrives', async () => {
    const s = streamOf([[1, 2], [3, 4], [5], [6]]);
    await expect(readStreamLimited(s.stream, 4, tooLarge)).rejects.toThrow('too large');
    expect(s.cancelled()).toBe(true);
  });
});
