/**
 * Frames as NDJSON, the frames already produced joining one chunk. Every chunk is a socket write
 * (a syscall, ~0.1-0.2 ms of CPU on a small VM) and a read, parse and Redis append in the worker:
 * one per streamed word was most of a task's HTTP cost with a fast model. A chunk takes every
 * frame that arrives before the event loop's next turn (setImmediate), so a real model's deltas,
 * which arrive over the network apart, still go out one by one as they come, and nothing waits.
 */
export async function* ndjsonChunks<T>(frames: AsyncIterable<T>): AsyncGenerator<string> {
  const iterator = frames[Symbol.asyncIterator]();
  let finished = false;
  try {
    let pending = iterator.next();
    for (;;) {
      const first = await pending;
      if (first.done) {
        finished = true;
        return;
      }
      let chunk = `${JSON.stringify(first.value)}\n`;
      // One timer per chunk, not per frame: every frame of this chunk races the same turn.
      const turn = nextTurn();
      for (;;) {
        pending = iterator.next();
        let next: IteratorResult<T> | typeof TURN;
        try {
          next = await Promise.race([pending, turn]);
        } catch (err) {
          finished = true; // the source ended by failing
          yield chunk; // the frames before the failure still go out
          throw err;
        }
        if (next === TURN) break;
        if (next.done) {
          finished = true;
          yield chunk;
          return;
        }
        chunk += `${JSON.stringify(next.value)}\n`;
      }
      yield chunk;
    }
  } finally {
    // The reader left early (the client went away): end the frames' source too, as for-await would.
    if (!finished) await iterator.return?.();
  }
}

const TURN = Symbol("next turn");
const nextTurn = () => new Promise<typeof TURN>((resolve) => setImmediate(resolve, TURN));
