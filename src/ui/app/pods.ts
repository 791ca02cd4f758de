/**
 * Pods: the list (virtualised, filtered by a substring), and a pod's page — its containers with
 * their states and restarts, its conditions and events, its logs followed live, and delete.
 */
import { useEffect, useState } from 'preact/hooks';
import { request, stream } from './api.js';
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

/** Lines kept on the page; and how long to wait before following again a container that stopped. */
const LOG_LINES = 1_000;
const REFOLLOW_MS = 2_000;

/** `text` without its oldest lines past `LOG_LINES` (trimmed once it has twice as many). */
function keepTail(text: string): string {
  let lines = 0;
  for (let i = text.length - 1; i >= 0; i--) if (text.charCodeAt(i) === 10 && ++lines > 2 * LOG_LINES) return text.split('\n').slice(-LOG_LINES - 1).join('\n');
  return text;
}

function Logs({ namespace, name, container, single }: { namespace: string; name: string; container: string; single: boolean }) {
  const [logs, setLogs] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    const abort = new AbortController();
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log?follow=true&tailLines=${LOG_LINES}${single ? '' : `&container=${encodeURIComponent(container)}`}`;
    // Followed as `kubectl logs -f` is: the stream ends when the container stops; then the page
    // looks again a little later (a restarted container has a log of its own).
    void (async () => {
      while (!abort.signal.aborted) {
        let text = '';
        try {
          await stream(path, abort.signal, (chunk) => setLogs((text = keepTail(text + chunk))));
          setError('');
        } catch (err) {
          if (abort.signal.aborted) return;
          setError(describe(err));
        }
        await new Promise((r) => setTimeout(r, REFOLLOW_MS));
      }
    })();
    return () => abort.abort();
  }, [namespace, name, container]);
  return html`<section class="panel"><h2>Logs <span class="muted">${container} · the last ${LOG_LINES} lines, followed</span></h2>
    ${error ? html`<div class="error">${error}</div>` : null}
    <pre class="logs" data-logs=${container}>${logs || '(nothing yet)'}</pre>
  </section>`;
}
