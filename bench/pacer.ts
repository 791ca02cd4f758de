/**
 * The open-loop schedule the paced load generators share: request `i` is due at `i / rate`
 * seconds and leaves then, whether or not earlier ones were answered, so a server stall shows in
 * the latencies instead of slowing the load. A 1 ms timer, not a busy loop: the generator must not
 * take a core from the server.
 */

/** Fires `rate` requests per second for `seconds` (`fire(i, dueAt)`, dueAt on `performance.now()`'s clock); resolves with the count once all have settled. */
export async function paceRequests(rate: number, seconds: number, fire: (i: number, dueAt: number) => Promise<unknown>): Promise<number> {
  const total = Math.round(rate * seconds);
  const inFlight: Promise<unknown>[] = [];
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < due; sent++) inFlight.push(fire(sent, start + (sent / rate) * 1000));
      if (sent >= total) done();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  return sent;
}
