/**
 * Pods: the list (virtualised, filtered by a substring), and a pod's page — its containers with
 * their states and restarts, its conditions and events, its logs followed live, and delete.
 */
import { useEffect, useState } from 'preact/hooks';
import { request, text } from './api.js';
import { phaseOf, type ClusterState } from './cluster.js';
import { age, html, link, useInformers } from './html.js';
import { sortedKeys } from './informer.js';
import { describe, Events } from './overview.js';
import type { ContainerState, Pod } from './types.js';
import { VirtualTable } from './virtual-table.js';

const restartsOf = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);

export function PodList({ cluster }: { cluster: ClusterState }) {
  useInformers(cluster.pods);
  const [filter, setFilter] = useState('');
  const now = Date.now();
  const items = cluster.pods.items;
  let keys = sortedKeys(cluster.pods);
  if (filter) {
    keys = keys.filter((k) => {
      const p = items.get(k)!;
      return k.includes(filter) || (p.spec.nodeName ?? '').includes(filter) || phaseOf(p).includes(filter);
    });
  }
  return html`<section class="panel" data-view="pods">
    <h2>Pods <span class="muted">${keys.length}${filter ? ` of ${items.size}` : ''}</span></h2>
    <input placeholder="filter by name, node or phase" value=${filter} onInput=${(e: InputEvent) => setFilter((e.target as HTMLInputElement).value)} />
    <${VirtualTable}
      heightPx=${560}
      head=${['Name', 'Phase', 'Node', 'Pod IP', 'Restarts', 'Age']}
      rows=${keys}
      rowKey=${(k: string) => k}
      row=${(k: string) => {
        const p = items.get(k)!;
        return [
          html`<a href=${link('pods', p.metadata.namespace ?? 'default', p.metadata.name)}>${k}</a>`,
          html`<span class=${`phase-${phaseOf(p)}`}>${phaseOf(p)}</span>`,
          p.spec.nodeName ?? '',
          p.status?.podIP ?? '',
          String(restartsOf(p)),
          age(p.metadata.creationTimestamp, now),
        ];
      }}
    />
  </section>`;
}

function stateText(s: ContainerState | undefined): string {
  if (!s) return '';
  if (s.running) return `Running since ${s.running.startedAt ?? ''}`;
  if (s.waiting) return `Waiting: ${s.waiting.reason ?? ''}${s.waiting.message ? ` (${s.waiting.message})` : ''}`;
  if (s.terminated) return `Terminated: ${s.terminated.reason ?? ''}, exit code ${s.terminated.exitCode ?? '?'}`;
  return '';
}

export function PodPage({ cluster, namespace, name }: { cluster: ClusterState; namespace: string; name: string }) {
  useInformers(cluster.pods, cluster.events);
  const [error, setError] = useState('');
  const pod = cluster.pods.items.get(`${namespace}/${name}`);
  if (!pod) return html`<section class="panel" data-view="pod"><h2>pod ${namespace}/${name}</h2><p class="muted">${cluster.pods.synced ? 'Not found (deleted?).' : 'Loading…'}</p><a href="#/pods">all pods</a></section>`;
  const events = [...cluster.events.items.values()]
    .filter((e) => e.involvedObject.kind === 'Pod' && e.involvedObject.name === name && (e.involvedObject.namespace ?? 'default') === namespace && (!e.involvedObject.uid || e.involvedObject.uid === pod.metadata.uid))
    .sort((a, b) => Date.parse(b.lastTimestamp ?? b.firstTimestamp ?? '') - Date.parse(a.lastTimestamp ?? a.firstTimestamp ?? ''));
  const remove = async () => {
    setError('');
    try {
      await request('DELETE', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`);
    } catch (err) {
      setError(describe(err));
    }
  };
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((c) => [c.name, c]));
  return html`<section class="panel" data-view="pod">
      <h2>pod ${namespace}/${name} <span class=${`phase-${phaseOf(pod)}`} data-phase>${phaseOf(pod)}</span>
        <button class="danger" style="margin-left:auto" onClick=${remove} data-action="delete">Delete</button></h2>
      ${error ? html`<div class="error">${error}</div>` : null}
      <table><tbody>
        <tr><th>Node</th><td>${pod.spec.nodeName ?? '(not scheduled)'}</td><th>Pod IP</th><td>${pod.status?.podIP ?? ''}</td></tr>
        <tr><th>Created</th><td>${pod.metadata.creationTimestamp} (${age(pod.metadata.creationTimestamp)})</td><th>Labels</th><td>${Object.entries(pod.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')}</td></tr>
        <tr><th>Conditions</th><td colspan="3">${(pod.status?.conditions ?? []).map((c) => html`<span class=${c.status === 'True' ? 'ok' : 'warn'}>${c.type}=${c.status}</span> `)}</td></tr>
      </tbody></table>
    </section>
    <section class="panel">
      <h2>Containers</h2>
      <table data-table="containers"><thead><tr><th>Name</th><th>Image</th><th>State</th><th>Ready</th><th>Restarts</th><th>Last state</th></tr></thead><tbody>
        ${pod.spec.containers.map((c) => {
          const s = statuses.get(c.name);
          return html`<tr><td>${c.name}</td><td>${c.image}</td><td>${stateText(s?.state)}</td><td>${s?.ready ? 'true' : 'false'}</td><td>${s?.restartCount ?? 0}</td><td>${stateText(s?.lastState)}</td></tr>`;
        })}
      </tbody></table>
    </section>
    <section class="panel"><h2>Events</h2><${Events} events=${events} /></section>
    ${pod.spec.containers.map((c) => html`<${Logs} key=${c.name} namespace=${namespace} name=${name} container=${c.name} single=${pod.spec.containers.length === 1} />`)}`;
}

/** How often a container's log is read again while its page is open. */
const LOG_POLL_MS = 1_000;
const LOG_LINES = 1_000;

function Logs({ namespace, name, container, single }: { namespace: string; name: string; container: string; single: boolean }) {
  const [logs, setLogs] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log?tailLines=${LOG_LINES}${single ? '' : `&container=${encodeURIComponent(container)}`}`;
    const read = async () => {
      try {
        const t = await text(path);
        if (!stopped) (setLogs(t), setError(''));
      } catch (err) {
        if (!stopped) setError(describe(err));
      }
      if (!stopped) timer = setTimeout(read, LOG_POLL_MS);
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [namespace, name, container]);
  return html`<section class="panel"><h2>Logs <span class="muted">${container} · the last ${LOG_LINES} lines, followed</span></h2>
    ${error ? html`<div class="error">${error}</div>` : null}
    <pre class="logs" data-logs=${container}>${logs || '(nothing yet)'}</pre>
  </section>`;
}
