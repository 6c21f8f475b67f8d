/**
 * At most this many iterations in a row go to accepting connections before a heavy step runs:
 * under a steady flood of connections heavy work still gets one iteration in 33.
 */
const MAX_DEFERRED_ITERATIONS = 32;

/**
 * Hands out event-loop turns one at a time, for heavy steps (parsing a large body): each waiter
 * runs in a turn of its own, and the loop polls for I/O between turns, so a health check waits
 * for one step at most, not for every step that became ready at the same moment. (Bodies that
 * end together are otherwise all parsed in one go: stream ends are delivered as next-ticks, and
 * setImmediate callbacks queued together also run together.)
 */
export class EventLoopTurns {
  private readonly waiting: Array<() => void> = [];
  /** Served before `waiting`: short steps that let a new request start (its body's parse). */
  private readonly first: Array<() => void> = [];
  private scheduled = false;
  /** A connection was accepted since the last turn (see connectionAccepted). */
  private accepted = false;
  /** Loop iterations given to accepting connections since the last turn. */
  private deferred = 0;

  /**
   * Node accepts one connection per event-loop iteration, so while every iteration also runs a
   * heavy step, a burst of connections drains from the kernel's queue one step at a time: 100
   * clients that send large bodies at once held a health check's connection there for 2-3 s
   * (measured; the loop itself never stalled over 140 ms). Told that a connection was just
   * accepted (others may be waiting), the next turn waits an iteration, up to
   * MAX_DEFERRED_ITERATIONS in a row, so that waiting connections are taken first.
   */
  connectionAccepted(): void {
    this.accepted = true;
  }

  /**
   * Resolves at the start of a turn of its own; rejects with the signal's reason as soon as it
   * aborts (leaving the line). A `first` turn goes before the others: a request's parse waits for
   * the other parses, not for every slice of every request in flight.
   */
  next(signal?: AbortSignal, first = false): Promise<void> {
    const line = first ? this.first : this.waiting;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const at = line.indexOf(wake);
        if (at >= 0) line.splice(at, 1);
        reject(signal?.reason);
      };
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      line.push(wake);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.first.length + this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.accepted && this.deferred < MAX_DEFERRED_ITERATIONS) {
        // An iteration for the next waiting connection, none for heavy work.
        this.accepted = false;
        this.deferred++;
        this.schedule();
        return;
      }
      this.accepted = false;
      this.deferred = 0;
      (this.first.shift() ?? this.waiting.shift())?.();
      // Queued from inside an immediate: it runs in the next loop iteration, after an I/O poll.
      this.schedule();
    });
  }
}
