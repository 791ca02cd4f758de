/**
 * Create from pasted JSON or YAML, in the seed's words (v1beta1: `kind: Pod`, `desiredState`) or
 * today's (v1), one document or several separated by `---`. Like kubectl, the page reads the text
 * itself to find where each object goes (for v1, from the server's discovery), and says so when it
 * does not parse; whatever the server refuses is shown as its Status.
 */
import { useState } from 'preact/hooks';
import { parseAllDocuments } from 'yaml';
import { ApiError, request } from './api.js';
import { html } from './html.js';
import { describe } from './overview.js';

/** The 2014 API's collections (`kubecfg create /pods`), by kind. */
const V1BETA1: Record<string, string> = { Pod: 'pods', ReplicationController: 'replicationControllers', Service: 'services', Minion: 'minions' };

interface Discovered {
  name: string;
  kind: string;
  namespaced: boolean;
}

const discovery = new Map<string, Promise<Discovered[]>>();

/** The resources of a group version, from `/api/v1` or `/apis/<group>/<version>` (asked once). */
function resourcesOf(apiVersion: string): Promise<Discovered[]> {
  let found = discovery.get(apiVersion);
  if (!found) {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    found = request<{ resources: Discovered[] }>('GET', path).then((l) => l.resources.filter((r) => !r.name.includes('/')));
    found.catch(() => discovery.delete(apiVersion));
    discovery.set(apiVersion, found);
  }
  return found;
}

/** Where a document is created. */
export async function collectionOf(doc: Record<string, any>): Promise<string> {
  const { kind, apiVersion } = doc;
  if (typeof kind !== 'string' || !kind) throw new Error('error: the object has no kind');
  if (typeof apiVersion !== 'string' || !apiVersion) throw new Error(`error: the ${kind} has no apiVersion`);
  if (apiVersion === 'v1beta1') {
    const collection = V1BETA1[kind];
    if (!collection) throw new Error(`error: no v1beta1 resource of kind "${kind}"`);
    const ns = doc.namespace ?? doc.metadata?.namespace;
    return `/api/v1beta1/${collection}${ns ? `?namespace=${encodeURIComponent(ns)}` : ''}`;
  }
  let resources: Discovered[];
  try {
    resources = await resourcesOf(apiVersion);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) throw new Error(`error: resource mapping not found for kind "${kind}" in version "${apiVersion}"`);
    throw err;
  }
  const r = resources.find((x) => x.kind === kind);
  if (!r) throw new Error(`error: resource mapping not found for kind "${kind}" in version "${apiVersion}"`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = doc.metadata?.namespace ?? 'default';
  return r.namespaced ? `${base}/namespaces/${encodeURIComponent(ns)}/${r.name}` : `${base}/${r.name}`;
}

/** What the create form did with each document. */
interface Outcome {
  ok: boolean;
  text: string;
}

export function Create() {
  const [source, setSource] = useState('');
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setBusy(true);
    const done: Outcome[] = [];
    try {
      const docs = parseAllDocuments(source);
      const list = Array.isArray(docs) ? docs : [docs];
      const bad = list.find((d) => d.errors.length > 0);
      if (bad) throw new Error(`error: error parsing the pasted text: ${bad.errors[0]!.message}`);
      const objects = list.map((d) => d.toJS() as unknown).filter((o) => o !== null && o !== undefined);
      if (objects.length === 0) throw new Error('error: no objects passed to create');
      for (const obj of objects) {
        if (typeof obj !== 'object' || Array.isArray(obj)) {
          done.push({ ok: false, text: 'error: a document is not an object' });
          continue;
        }
        const doc = obj as Record<string, any>;
        try {
          const created = await request<Record<string, any>>('POST', await collectionOf(doc), doc);
          const name = created.metadata?.name ?? created.id ?? '';
          done.push({ ok: true, text: `${String(doc.kind).toLowerCase()}/${name} created` });
        } catch (err) {
          done.push({ ok: false, text: describe(err) });
        }
      }
    } catch (err) {
      done.push({ ok: false, text: describe(err) });
    }
    setOutcomes(done);
    setBusy(false);
  };
  return html`<section class="panel" data-view="create">
    <h2>Create <span class="muted">JSON or YAML, v1beta1 or v1; several documents separated by ---</span></h2>
    <form onSubmit=${submit}>
      <textarea name="manifest" spellcheck="false" value=${source} onInput=${(e: InputEvent) => setSource((e.target as HTMLTextAreaElement).value)}
        placeholder=${'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx'}></textarea>
      <p><button class="primary" type="submit" disabled=${busy}>Create</button></p>
    </form>
    ${outcomes.map((o) => html`<div class=${o.ok ? 'success' : 'error'} data-outcome=${o.ok ? 'created' : 'error'}>${o.text}</div>`)}
  </section>`;
}
