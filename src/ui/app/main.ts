/**
 * The dashboard's entry: asks for a token when the API wants one, keeps the cluster live from
 * watches (cluster.ts), and routes `#/…` to the views — the overview, pods and a pod's page,
 * create, the actor system, throughput.
 */
import { render } from 'preact';
import { useEffect, useReducer, useState } from 'preact/hooks';
import { ApiError, request, setToken, token, whenUnauthorized } from './api.js';
import { ActorLoad, ActorView } from './actors.js';
import { ApiSampler, LineChart } from './charts.js';
import { ClusterState } from './cluster.js';
import { Create } from './create.js';
import { html } from './html.js';
import { describe, Overview } from './overview.js';
import { PodList, PodPage } from './pods.js';

/** What runs while the user is signed in (or needs no token). */
interface Session {
  cluster: ClusterState;
  actors: ActorLoad;
  api: ApiSampler;
}

function startSession(): Session {
  return { cluster: new ClusterState().start(), actors: new ActorLoad().start(), api: new ApiSampler().start() };
}

function stopSession(s: Session): void {
  s.cluster.stop();
  s.actors.stop();
  s.api.stop();
}

const unauthorized = (err: unknown) => err instanceof ApiError && err.code === 401;

const route = () => location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);

function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [needToken, setNeedToken] = useState(false);
  const [path, setPath] = useState(route());
  useEffect(() => {
    const onHash = () => setPath(route());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    whenUnauthorized(() => setNeedToken(true));
    // Whether the API wants a token: a read answers 401 when it does (a 403 is a user who may read less: the views say what).
    request('GET', '/api/v1/namespaces/default').then(
      () => setSession(startSession()),
      (err) => (unauthorized(err) ? setNeedToken(true) : setSession(startSession())),
    );
  }, []);
  useEffect(() => {
    if (!needToken || !session) return;
    stopSession(session);
    setSession(undefined);
  }, [needToken]);
  if (needToken && !session) return html`<${Login} onDone=${() => (setNeedToken(false), setSession(startSession()))} />`;
  if (!session) return html`<p class="muted">Connecting…</p>`;
  const [view = '', ...rest] = path;
  const nav = (href: string, label: string, active: boolean) => html`<a href=${href} class=${active ? 'active' : ''}>${label}</a>`;
  return html`
    <header>
      <h1>helmsman</h1>
      <nav>
        ${nav('#/', 'Overview', view === '')}${nav('#/pods', 'Pods', view === 'pods')}${nav('#/create', 'Create', view === 'create')}${nav('#/actors', 'Actors', view === 'actors')}${nav('#/throughput', 'Throughput', view === 'throughput')}
      </nav>
      <span class="who">${token() ? html`signed in with a token <button onClick=${() => (setToken(undefined), location.reload())}>Sign out</button>` : 'no token needed'}</span>
    </header>
    <main>
      ${view === 'pods' && rest.length >= 2
        ? html`<${PodPage} cluster=${session.cluster} namespace=${rest[0]} name=${rest[1]} />`
        : view === 'pods'
          ? html`<${PodList} cluster=${session.cluster} />`
          : view === 'create'
            ? html`<${Create} />`
            : view === 'actors'
              ? html`<${ActorView} load=${session.actors} />`
              : view === 'throughput'
                ? html`<${Throughput} session=${session} />`
                : html`<${Overview} cluster=${session.cluster} />`}
    </main>`;
}

function Throughput({ session }: { session: Session }) {
  const [, tick] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const timer = setInterval(() => tick(undefined as never), 1_000);
    return () => clearInterval(timer);
  }, []);
  const { cluster, api } = session;
  return html`<div class="row" data-view="throughput">
    <section class="panel"><h2>Pods per second <span class="muted">as this page's watch saw them</span></h2>
      <${LineChart} unit="pods/s" lines=${[{ label: 'created', series: cluster.created, color: '#3563c9' }, { label: 'Running', series: cluster.running, color: '#2e9b5d' }]} /></section>
    <section class="panel"><h2>API requests per second <span class="muted">from /metrics</span></h2>
      ${api.error ? html`<div class="error">${api.error}</div>` : null}
      <${LineChart} unit="requests/s" lines=${[{ label: 'requests', series: api.requests, color: '#7b4fc9' }]} /></section>
    <section class="panel"><h2>API latency</h2>
      <${LineChart} unit="ms" lines=${[{ label: 'mean', series: api.meanMs, color: '#d99a1e' }, { label: '99th percentile', series: api.p99Ms, color: '#d0453b' }]} /></section>
  </div>`;
}

function Login({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setToken(value.trim());
    try {
      await request('GET', '/api/v1/namespaces/default');
      onDone();
    } catch (err) {
      if (!unauthorized(err)) return onDone();
      setToken(undefined);
      setError(describe(err));
    }
  };
  return html`<form class="panel login" onSubmit=${submit} data-view="login">
    <h2>helmsman</h2>
    <p>This API server wants a bearer token (the admin's is in the kubeconfig <code>helmsman up</code> wrote).</p>
    <input type="password" name="token" autocomplete="off" placeholder="token" value=${value} onInput=${(e: InputEvent) => setValue((e.target as HTMLInputElement).value)} />
    ${error ? html`<div class="error">${error}</div>` : null}
    <button class="primary" type="submit">Sign in</button>
  </form>`;
}

render(html`<${App} />`, document.getElementById('app')!);
