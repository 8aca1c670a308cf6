/**
 * Requests per minute per client (`--req-limit`), counted over a moving window of the last 60 s as
 * LibreTranslate's limiter does: a client is its API key when it sends one, else its address. A
 * request is refused (429) while the client's window already holds `limit` units; a `q` array
 * counts one unit per text. Retry-After is the time until the oldest unit leaves the window.
 * Clients whose window has emptied are forgotten, so memory follows the clients of the last minute.
 */
const WINDOW_MS = 60_000;

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Window {
  /** Arrival times (ms) and units of the requests of the last minute, oldest first. */
  times: number[];
  units: number[];
  total: number;
}

export class RateLimiter {
  private readonly clients = new Map<string, Window>();
  private lastSweep = 0;

  constructor(
    private readonly limit: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  take(client: string, units = 1): RateDecision {
    const t = this.now();
    if (t - this.lastSweep >= WINDOW_MS) this.sweep(t);
    let w = this.clients.get(client);
    if (!w) {
      w = { times: [], units: [], total: 0 };
      this.clients.set(client, w);
    }
    this.expire(w, t);
    if (w.total >= this.limit)
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((w.times[0] + WINDOW_MS - t) / 1000)) };
    w.times.push(t);
    w.units.push(units);
    w.total += units;
    return { ok: true };
  }

  /** Clients remembered (for tests of the memory bound). */
  get size(): number {
    return this.clients.size;
  }

  private expire(w: Window, t: number): void {
    let drop = 0;
    while (drop < w.times.length && w.times[drop] <= t - WINDOW_MS) w.total -= w.units[drop++];
    if (drop > 0) {
      w.times.splice(0, drop);
      w.units.splice(0, drop);
    }
  }

  private sweep(t: number): void {
    this.lastSweep = t;
    for (const [client, w] of this.clients) {
      this.expire(w, t);
      if (w.times.length === 0) this.clients.delete(client);
    }
  }
}
