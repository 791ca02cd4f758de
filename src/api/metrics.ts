import type { Context, Middleware } from 'koa';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ActorSystem } from '../kernel/index.js';
import { requestInfoOf } from '../auth/request-info.js';
import { MULTIPLEX_PATH } from './watch-multiplex.js';

/** Prometheus metrics of the API server: requests by verb and code, latency, and the actor system's counters. */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'apiserver_request_total',
    help: 'API requests by verb, resource and HTTP code',
    labelNames: ['verb', 'resource', 'code'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'API request latency by verb',
    labelNames: ['verb'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(system: ActorSystem) {
    const stats = () => system.stats();
    const gauge = (name: string, help: string, pick: (s: Awaited<ReturnType<typeof stats>>) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.set(pick(await stats()));
        },
      });
    gauge('helmsman_actors', 'Actors alive', (s) => s.actors);
    gauge('helmsman_messages_processed_total', 'Messages handled by actors', (s) => s.processed);
    gauge('helmsman_dead_letters_total', 'Messages that found no actor', (s) => s.deadLetters);
    gauge('helmsman_actor_restarts_total', 'Actor restarts by their supervisors', (s) => s.restarts);
  }

  /** Reports the watches open now, as kube-apiserver's `apiserver_longrunning_requests{verb="WATCH"}`. */
  countWatches(open: () => number): void {
    new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Long-running requests (watches) open now',
      labelNames: ['verb'] as const,
      registers: [this.registry],
      collect() {
        this.set({ verb: 'WATCH' }, open());
      },
    });
  }

  /** The Content-Type of `render()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Counts and times every request (watch streams are counted when they end). */
  middleware(): Middleware {
    // Label children are looked up once per label set: prom-client hashes labels on every call.
    const counters = new Map<string, { inc(): void }>();
    const timers = new Map<string, { observe(v: number): void }>();
    return async (ctx: Context, next) => {
      const t0 = performance.now();
      try {
        await next();
      } finally {
        const { verb, resource } = requestOf(ctx);
        let timer = timers.get(verb);
        if (!timer) timers.set(verb, (timer = this.latency.labels(verb)));
        timer.observe((performance.now() - t0) / 1000);
        const key = `${verb} ${resource} ${ctx.status}`;
        let counter = counters.get(key);
        if (!counter) counters.set(key, (counter = this.requests.labels(verb, resource, String(ctx.status))));
        counter.inc();
      }
    };
  }
}

/** The verb and resource of a request as apiserver_request_total labels them: `LIST pods`, `WATCH pods`, `GET pods`, `PATCH replicationcontrollers`... */
function requestOf(ctx: Context): { verb: string; resource: string } {
  const info = requestInfoOf(ctx);
  // The dashboard's stream is watches (src/api/watch-multiplex.ts).
  if (ctx.path === MULTIPLEX_PATH) return { verb: 'WATCH', resource: '' };
  if (!info.resourceRequest) return { verb: ctx.method, resource: '' };
  const verb = info.verb === 'get' || info.verb === 'list' || info.verb === 'watch' ? info.verb.toUpperCase() : ctx.method;
  return { verb, resource: info.resource };
}
