import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { OutputLine } from "../backend.ts";

/**
 * Reads a process's stdout and stderr into one ordered queue of lines from the moment it starts.
 * Reading must begin at spawn: Node resumes (and discards) an unread pipe when the child exits,
 * so a fast agent's output would be lost if reading waited for follow(). Above `highWater`
 * queued lines the pipes pause, which in turn blocks the agent's writes.
 */
export class OutputBuffer {
  private queue: OutputLine[] = [];
  private open = 0;
  private wake: (() => void) | null = null;
  private readonly streams: Readable[] = [];
  private readonly highWater: number;

  constructor(streams: (Readable | null | undefined)[], highWater = 10_000) {
    this.highWater = highWater;
    for (const stream of streams) if (stream) this.read(stream);
  }

  private read(stream: Readable): void {
    this.streams.push(stream);
    this.open++;
    const decoder = new StringDecoder("utf8");
    let partial = "";
    const push = (texts: string[]) => {
      const ts = new Date();
      for (const text of texts) this.queue.push({ text: text.endsWith("\r") ? text.slice(0, -1) : text, ts });
      if (this.queue.length >= this.highWater) for (const s of this.streams) s.pause();
      this.notify();
    };
    stream.on("data", (chunk: Buffer) => {
      partial += decoder.write(chunk);
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      if (parts.length) push(parts);
    });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      const rest = partial + decoder.end();
      partial = "";
      if (rest) push([rest]);
      this.open--;
      this.notify();
    };
    stream.on("end", close);
    stream.on("close", close);
    stream.on("error", close);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Lines so far (possibly none), or null once every stream has ended and everything was taken. */
  async next(): Promise<OutputLine[] | null> {
    while (this.queue.length === 0) {
      if (this.open === 0) return null;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    const lines = this.queue;
    this.queue = [];
    for (const s of this.streams) if (s.isPaused()) s.resume();
    return lines;
  }
}
