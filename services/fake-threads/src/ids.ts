/**
 * Ids shaped like Threads media and container ids: 17-digit numeric strings (milliseconds times
 * 10^4 plus a sequence), strictly increasing, so they sort by creation time and serve as cursors.
 * Containers and posts draw from one sequence and never share an id, as on Threads.
 */
export class IdSequence {
  #last = 0n;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  next(): string {
    const candidate = BigInt(Math.max(0, Math.floor(this.#now()))) * 10_000n;
    this.#last = candidate > this.#last ? candidate : this.#last + 1n;
    return this.#last.toString();
  }
}

export const isNumericId = (value: string) => /^\d{1,30}$/.test(value);

const SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** The id written in base 64 with Instagram's alphabet, as Threads/Instagram shortcodes are. */
export function shortcodeFor(id: string): string {
  let n = BigInt(id);
  let out = "";
  do {
    out = SHORTCODE_ALPHABET[Number(n % 64n)] + out;
    n /= 64n;
  } while (n > 0n);
  return out;
}
