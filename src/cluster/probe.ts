/**
 * Liveness probes as the kubelet runs them: `httpGet` (a 2xx or 3xx answer), `tcpSocket` (a
 * connection accepted) or `exec` (the command exits 0), each within its timeout. Defaults are
 * Kubernetes': every 10 s, 1 s timeout, restart after 3 failures in a row.
 */
import { createConnection } from 'node:net';
import type { Container, Probe } from '../api/model.js';
import type { ContainerRuntime } from '../runtimes/runtime.js';

/** The kubelet's probe defaults (ms), overridable per cluster for tests. */
export interface ProbeDefaults {
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
}

/** Kubernetes' defaults. */
export const DEFAULT_PROBE: ProbeDefaults = { periodMs: 10_000, timeoutMs: 1000, failureThreshold: 3 };

/** One probe's timing, from its fields and the defaults. */
export function probeTiming(probe: Probe, defaults: ProbeDefaults): { initialDelayMs: number; periodMs: number; timeoutMs: number; failureThreshold: number } {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: probe.periodSeconds !== undefined ? probe.periodSeconds * 1000 : defaults.periodMs,
    timeoutMs: probe.timeoutSeconds !== undefined ? probe.timeoutSeconds * 1000 : defaults.timeoutMs,
    failureThreshold: probe.failureThreshold ?? defaults.failureThreshold,
  };
}

/** Runs a probe once; resolves with why it failed, or undefined when it passed. Never rejects. */
export async function runProbe(
  probe: Probe,
  target: { container: Container; podIP: string; id: string; runtime: ContainerRuntime },
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    if (probe.httpGet) {
      const port = portOf(probe.httpGet.port, target.container);
      const path = probe.httpGet.path ?? '/';
      const url = `http://${probe.httpGet.host || target.podIP}:${port}${path.startsWith('/') ? path : `/${path}`}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      await res.body?.cancel();
      return res.status >= 200 && res.status < 400 ? undefined : `HTTP probe failed with statuscode: ${res.status}`;
    }
    if (probe.tcpSocket) {
      const port = portOf(probe.tcpSocket.port, target.container);
      await new Promise<void>((resolve, reject) => {
        const socket = createConnection({ host: target.podIP, port, timeout: timeoutMs });
        socket.once('connect', () => (socket.destroy(), resolve()));
        socket.once('timeout', () => (socket.destroy(), reject(new Error('timeout'))));
        socket.once('error', reject);
      });
      return undefined;
    }
    if (probe.exec) {
      if (!target.runtime.exec) return `the ${target.runtime.kind} runtime cannot exec`;
      const code = await target.runtime.exec(target.id, probe.exec.command, timeoutMs);
      return code === 0 ? undefined : `command exited with ${code}`;
    }
    return 'the probe has no handler (httpGet, tcpSocket or exec)';
  } catch (err) {
    return `probe failed: ${(err as Error).message}`;
  }
}

/** A probe's port: a number, or the name of one of the container's ports. */
function portOf(port: number | string, container: Container): number {
  if (typeof port === 'number') return port;
  const found = container.ports.find((p) => p.name === port)?.containerPort ?? Number(port);
  if (!Number.isInteger(found) || found <= 0) throw new Error(`no port named "${port}"`);
  return found;
}
