/**
 * The overview: the minions (nodes) as a grid, pods by phase, replication controllers with their
 * desired, current and ready replicas (and a scale action), services with their endpoints, and the
 * newest events — all from the shared informers, redrawn as they change.
 */
import { useState } from 'preact/hooks';
import { ApiError, request } from './api.js';
import { bytes, cpuMilli, readiness, type ClusterState, type NodeLoad } from './cluster.js';
import { age, html, link, useInformers } from './html.js';
import { keyOf, sortedKeys } from './informer.js';
import type { Event, Node, ReplicationController } from './types.js';
import { VirtualTable } from './virtual-table.js';

const PHASES = ['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown', 'Terminating'];
/** Above this many nodes the grid shows a square per node instead of a card. */
const CARD_LIMIT = 120;

export function Overview({ cluster }: { cluster: ClusterState }) {
  useInformers(...cluster.all());
  const nodes = sortedKeys(cluster.nodes).map((k) => cluster.nodes.items.get(k)!);
  const ready = nodes.filter((n) => readiness(n) === 'ready').length;
  return html`
    <section class="panel" data-view="overview">
      <div class="counts">
        <div class="count" data-count="nodes"><b>${ready} / ${nodes.length}</b><span class="muted">minions (nodes) Ready</span></div>
        ${PHASES.map((p) => {
          const n = cluster.phases.get(p) ?? 0;
          return n > 0 || p === 'Running' || p === 'Pending' ? html`<div class="count" data-count=${`pods-${p}`}><b class=${`phase-${p}`}>${n}</b><span class="muted">pods ${p}</span></div>` : null;
        })}
        <div class="count" data-count="controllers"><b>${cluster.controllers.items.size}</b><span class="muted">replication controllers</span></div>
        <div class="count" data-count="services"><b>${cluster.services.items.size}</b><span class="muted">services</span></div>
      </div>
      ${[cluster.nodes, cluster.pods].map((i) => (i.error ? html`<div class="error">${describe(i.error)}</div>` : null))}
    </section>
    <section class="panel">
      <h2>Minions (nodes) <span class="muted">${nodes.length} · pods per node against capacity</span></h2>
      <${NodeGrid} nodes=${nodes} loads=${cluster.perNode} />
    </section>
    <div class="row">
      <section class="panel"><h2>Replication controllers <span class="muted">${cluster.controllers.items.size}</span></h2><${Controllers} cluster=${cluster} /></section>
      <section class="panel"><h2>Services <span class="muted">${cluster.services.items.size}</span></h2><${Services} cluster=${cluster} /></section>
    </div>
    <section class="panel"><h2>Newest events</h2><${Events} events=${newest(cluster.events.items.values(), 15)} /></section>
  `;
}

function NodeGrid({ nodes, loads }: { nodes: Node[]; loads: Map<string, NodeLoad> }) {
  if (nodes.length === 0) return html`<p class="muted">No minions yet.</p>`;
  const large = nodes.length <= CARD_LIMIT;
  return html`<div class=${large ? 'grid large' : 'grid'} data-grid="nodes">
    ${nodes.map((n) => {
      const load = loads.get(n.metadata.name) ?? { pods: 0, cpuMilli: 0, memoryBytes: 0 };
      const capacity = n.status?.allocatable ?? n.status?.capacity ?? {};
      const podCap = Number(capacity.pods) || 0;
      const cpuCap = cpuMilli(capacity.cpu);
      const memCap = bytes(capacity.memory);
      const state = readiness(n);
      const title = `${n.metadata.name}: ${state === 'ready' ? 'Ready' : state === 'notready' ? 'NotReady' : 'Unknown'}, ${load.pods}${podCap ? ` / ${podCap}` : ''} pods${cpuCap ? `, cpu ${load.cpuMilli}m / ${cpuCap}m` : ''}${memCap ? `, memory ${mib(load.memoryBytes)} / ${mib(memCap)}` : ''}`;
      const share = podCap ? Math.min(1, load.pods / podCap) : 0;
      if (!large) return html`<div class=${`cell ${state}`} title=${title} data-node=${n.metadata.name}><span class="fill" style=${`height:${Math.round(share * 100)}%`}></span></div>`;
      return html`<div class=${`node ${state}`} title=${title} data-node=${n.metadata.name}>
        <b>${n.metadata.name}</b> <span class="muted">${state === 'ready' ? 'Ready' : state === 'notready' ? 'NotReady' : 'Unknown'}</span>
        <div>${load.pods}${podCap ? ` / ${podCap}` : ''} pods</div>
        ${podCap ? html`<div class="bar"><span style=${`width:${share * 100}%`}></span></div>` : null}
        ${cpuCap ? html`<div class="muted">cpu ${load.cpuMilli}m / ${cpuCap}m</div><div class="bar"><span style=${`width:${Math.min(100, (100 * load.cpuMilli) / cpuCap)}%`}></span></div>` : null}
        ${memCap ? html`<div class="muted">memory ${mib(load.memoryBytes)} / ${mib(memCap)}</div><div class="bar"><span style=${`width:${Math.min(100, (100 * load.memoryBytes) / memCap)}%`}></span></div>` : null}
      </div>`;
    })}
  </div>`;
}

const mib = (b: number) => `${Math.round(b / 2 ** 20)}Mi`;

function Controllers({ cluster }: { cluster: ClusterState }) {
  const rcs = sortedKeys(cluster.controllers).map((k) => cluster.controllers.items.get(k)!);
  if (rcs.length === 0) return html`<p class="muted">None.</p>`;
  return html`<${VirtualTable}
    head=${['Name', 'Desired', 'Current', 'Ready', 'Scale']}
    rows=${rcs}
    rowKey=${keyOf}
    row=${(rc: ReplicationController) => [
      html`<span data-rc=${keyOf(rc)}>${rc.metadata.namespace === 'default' ? rc.metadata.name : keyOf(rc)}</span>`,
      String(rc.spec.replicas ?? 1),
      String(rc.status?.replicas ?? 0),
      String(rc.status?.readyReplicas ?? 0),
      html`<${Scale} rc=${rc} />`,
    ]}
  />`;
}

function Scale({ rc }: { rc: ReplicationController }) {
  const [value, setValue] = useState(String(rc.spec.replicas ?? 1));
  const [error, setError] = useState('');
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setError('');
    try {
      const path = `/api/v1/namespaces/${encodeURIComponent(rc.metadata.namespace ?? 'default')}/replicationcontrollers/${encodeURIComponent(rc.metadata.name)}/scale`;
      await request('PATCH', path, { spec: { replicas: Number(value) } }, 'application/merge-patch+json');
    } catch (err) {
      setError(describe(err));
    }
  };
  return html`<form onSubmit=${submit} data-scale=${keyOf(rc)}>
    <input type="number" min="0" value=${value} onInput=${(e: InputEvent) => setValue((e.target as HTMLInputElement).value)} aria-label=${`replicas of ${rc.metadata.name}`} />
    <button type="submit">Scale</button>
    ${error ? html`<div class="error">${error}</div>` : null}
  </form>`;
}

function Services({ cluster }: { cluster: ClusterState }) {
  const services = sortedKeys(cluster.services).map((k) => cluster.services.items.get(k)!);
  if (services.length === 0) return html`<p class="muted">None.</p>`;
  return html`<${VirtualTable}
    head=${['Name', 'Cluster IP', 'Ports', 'Selector', 'Endpoints']}
    rows=${services}
    rowKey=${keyOf}
    row=${(s: (typeof services)[number]) => {
      const ep = cluster.endpoints.items.get(keyOf(s));
      const addresses = (ep?.subsets ?? []).flatMap((sub) => (sub.addresses ?? []).flatMap((a) => (sub.ports ?? []).map((p) => `${a.ip}:${p.port}`)));
      return [
        keyOf(s),
        s.spec.clusterIP ?? '',
        (s.spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(', '),
        Object.entries(s.spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
        html`<span title=${addresses.join('\n')}>${addresses.length ? `${addresses.slice(0, 3).join(', ')}${addresses.length > 3 ? ` + ${addresses.length - 3} more` : ''}` : '<none>'}</span>`,
      ];
    }}
  />`;
}

/** The `n` newest events. */
export function newest(events: Iterable<Event>, n: number): Event[] {
  const time = (e: Event) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '') || 0;
  const top: Event[] = [];
  for (const e of events) {
    if (top.length < n) top.push(e);
    else if (time(e) > time(top[top.length - 1]!)) top[top.length - 1] = e;
    else continue;
    top.sort((a, b) => time(b) - time(a));
  }
  return top;
}

export function Events({ events }: { events: Event[] }) {
  if (events.length === 0) return html`<p class="muted">No events.</p>`;
  const now = Date.now();
  return html`<table data-table="events">
    <thead><tr><th>Last seen</th><th>Type</th><th>Reason</th><th>Object</th><th>Message</th><th>Count</th></tr></thead>
    <tbody>
      ${events.map((e) => {
        const o = e.involvedObject;
        const name = o.kind === 'Pod' && o.name ? html`<a href=${link('pods', o.namespace ?? 'default', o.name)}>pod/${o.name}</a>` : `${(o.kind ?? '').toLowerCase()}/${o.name ?? ''}`;
        return html`<tr key=${keyOf(e)}><td>${age(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? undefined, now)}</td><td class=${e.type ?? ''}>${e.type}</td><td>${e.reason}</td><td>${name}</td><td title=${e.message}>${e.message}</td><td>${e.count ?? 1}</td></tr>`;
      })}
    </tbody>
  </table>`;
}

/** An error as the page shows it: the server's Status as kubectl prints it, or the message. */
export function describe(err: unknown): string {
  return err instanceof ApiError ? err.describe() : err instanceof Error ? err.message : String(err);
}

