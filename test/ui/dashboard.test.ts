import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { Cluster } from '../../src/cluster/cluster.js';
import { controller } from '../cluster-helpers.js';
import { artifactDir, chromiumFound, launchChromium, watchedPage, type WatchedPage } from '../browser-helpers.js';

const uiTest = chromiumFound ? test.serial : test.skip;

let cluster: Cluster;
let browser: Browser | undefined;
/** Every page the tests opened, for the last test's check of console errors and foreign requests. */
const pages: WatchedPage[] = [];

test.before(async () => {
  cluster = await Cluster.start({ minions: 3, shards: 2, runtime: 'fake', api: true, kubeletEvents: true });
  await cluster.client.create('replicationcontrollers', controller('web', 2, { app: 'web' }));
});
test.after.always(async () => {
  await browser?.close();
  await cluster?.stop();
});

/**
 * Opens the dashboard of `base` (default: the shared cluster) at `view`; closed when the test ends
 * (a browser has six connections to a server, and each page's watch stream holds one).
 */
async function open(t: ExecutionContext, view: string, base = cluster.url!): Promise<Page> {
  browser ??= await launchChromium();
  const origin = new URL(base).origin;
  const watched = await watchedPage(browser, (url) => url.startsWith(`${origin}/`));
  pages.push(watched);
  t.teardown(() => watched.page.close());
  await watched.page.goto(`${base}/ui/${view}`, { waitUntil: 'load' });
  return watched.page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(artifactDir('ui'), `${name}.png`), fullPage: true });

/** The text of every element matching `selector`, once `ready` says the page shows what is expected (polled from here: the page's policy forbids eval). */
async function waitForText(page: Page, selector: string, ready: (texts: string[]) => boolean, timeout = 5_000): Promise<string[]> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const texts = await page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ''));
    if (ready(texts)) return texts;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${selector}; last seen: ${JSON.stringify(texts).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function api(method: string, path: string, body?: unknown, type = 'application/json') {
  const res = await fetch(`${cluster.url}${path}`, { method, headers: { 'content-type': type }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  return { code: res.status, body: (await res.json()) as any };
}

const podsOf = async (app: string) => (await api('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`)).body.items as { status: { phase: string } }[];

uiTest('the overview shows the minions of a fresh cluster, pods by phase and the controllers', async (t) => {
  const page = await open(t, '');
  const nodes = await waitForText(page, '[data-node]', (texts) => texts.length === 3);
  t.deepEqual(
    nodes.map((n) => n.split(' ')[0]!.replace(/Ready.*/, '')),
    ['minion-1', 'minion-2', 'minion-3'],
  );
  t.deepEqual(await waitForText(page, '[data-count="nodes"] b', (x) => x[0] === '3 / 3'), ['3 / 3']);
  await waitForText(page, '[data-count="pods-Running"] b', (x) => x[0] === '2');
  t.truthy(await page.$('[data-rc="default/web"]'));
  await shot(page, 'overview');
});

uiTest('a pod created through the API appears without a reload within 2 s and shows Running', async (t) => {
  const page = await open(t, '#/pods');
  await waitForText(page, '[data-view="pods"] tbody tr', (rows) => rows.some((r) => r.includes('web-')));
  const created = await api('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'live' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  t.is(created.code, 201);
  const rows = await waitForText(page, '[data-view="pods"] tbody tr', (r) => r.some((x) => x.startsWith('default/live') && x.includes('Running')), 2_000);
  t.true(rows.some((r) => /^default\/liveRunningminion-\d/.test(r)));
  await shot(page, 'pods');
  // Its page: containers, events and logs, kept live too.
  await page.goto(`${cluster.url}/ui/#/pods/default/live`, { waitUntil: 'load' });
  await waitForText(page, '[data-phase]', (x) => x[0] === 'Running');
  await waitForText(page, '[data-table="containers"] tbody tr', (x) => x.length === 1 && x[0]!.includes('busybox'));
  const events = await waitForText(page, '[data-table="events"] tbody tr', (x) => x.some((e) => e.includes('Started')));
  t.true(events.some((e) => e.includes('Scheduled')));
  const [logs] = await waitForText(page, '[data-logs="c"]', (x) => x[0]?.includes('fake: started container "c"') ?? false);
  t.regex(logs!, /fake: started container "c" \(image busybox, restart 0\)/, 'its log, followed');
  await shot(page, 'pod');
  await page.click('[data-action="delete"]');
  await waitForText(page, '[data-view="pod"]', (x) => x[0]!.includes('Not found') || x[0]!.includes('Terminating'));
});

uiTest('scaling a replication controller from the page changes its pods', async (t) => {
  const page = await open(t, '');
  await page.waitForSelector('[data-scale="default/web"] input');
  await page.$eval('[data-scale="default/web"] input', (el) => ((el as any).value = ''));
  await page.type('[data-scale="default/web"] input', '5');
  await page.click('[data-scale="default/web"] button');
  await cluster.client.waitFor('pods', { labels: 'app=web' }, (pods) => pods.length === 5 && pods.every((p) => p.status.phase === 'Running'));
  t.is((await podsOf('web')).length, 5);
  const row = await waitForText(page, 'tr', (rows) => rows.some((r) => r.startsWith('web555')));
  t.true(row.some((r) => r.startsWith('web555')), 'desired, current and ready are 5');
});

uiTest('create from pasted YAML: it is created, and what the server refuses shows its Status', async (t) => {
  const page = await open(t, '#/create');
  const paste = async (text: string) => {
    await page.waitForSelector('textarea');
    await page.$eval('textarea', (el, v) => {
      const area = el as any;
      area.value = v as string;
      area.dispatchEvent(new (globalThis as any).Event('input', { bubbles: true }));
    }, text);
    await page.click('[data-view="create"] button[type="submit"]');
  };
  await paste('apiVersion: v1\nkind: Pod\nmetadata:\n  name: pasted\nspec:\n  containers:\n  - name: c\n    image: busybox\n');
  t.deepEqual(await waitForText(page, '[data-outcome]', (x) => x.length === 1), ['pod/pasted created']);
  await paste('apiVersion: v1\nkind: Pod\nmetadata:\n  name: noimage\nspec:\n  containers:\n  - name: c\n');
  const [refused] = await waitForText(page, '[data-outcome="error"]', (x) => x.length === 1);
  t.regex(refused!, /^Error from server \(Invalid\): Pod "noimage" is invalid: spec\.containers\[0\]\.image: Required value/);
  await shot(page, 'create-refused');
  // The seed's own words go to the v1beta1 API.
  await paste('{"id": "seedpod", "kind": "Pod", "apiVersion": "v1beta1", "desiredState": {"manifest": {"version": "v1beta1", "id": "seedpod", "containers": [{"name": "c", "image": "busybox"}]}}}');
  t.deepEqual(await waitForText(page, '[data-outcome]', (x) => x[0] === 'pod/seedpod created'), ['pod/seedpod created']);
  await paste('kind: Pod\napiVersion: v1\nmetadata: [unclosed\n');
  const [unparsed] = await waitForText(page, '[data-outcome="error"]', (x) => x.length === 1 && x[0]!.startsWith('error: error parsing'));
  t.truthy(unparsed);
  t.is((await api('GET', '/api/v1/namespaces/default/pods/noimage')).code, 404, 'nothing was created from the refused one');
});

uiTest('the actor view shows the shards and the supervision tree', async (t) => {
  const page = await open(t, '#/actors');
  const shards = await waitForText(page, '[data-table="shards"] tbody tr', (x) => x.length === 3);
  t.deepEqual(shards.map((s) => s.split(/\d/)[0]!.trim()), ['main', 'shard', 'shard']);
  const actors = await waitForText(page, '[data-actor]', (x) => x.some((a) => a.startsWith('registry')));
  t.true(actors.some((a) => a.startsWith('scheduler')));
  t.is((await page.$$('[data-kind="helmsman.minion"]')).length, 3);
  t.true((await page.$$('[data-kind="helmsman.pod"]')).length >= 2);
  await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('canvas').length === 2);
  // A pod actor that fails is restarted by its minion: the tree says so, and the line flashes.
  const [victim] = (await api('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).body.items as { metadata: { name: string; uid: string } }[];
  await cluster.failPodActor(victim!.metadata.name);
  const flashed = await waitForText(page, '.flash[data-actor]', (x) => x.length > 0, 10_000);
  t.true(flashed[0]!.startsWith(victim!.metadata.uid), flashed[0]);
  t.regex(flashed[0]!, /1 restarts/);
  await shot(page, 'actors');
});

uiTest('the throughput view charts pods created and Running, and API requests, as they happen', async (t) => {
  const page = await open(t, '#/throughput');
  await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('canvas').length === 3);
  await waitForText(page, 'header nav a.active', (x) => x[0] === 'Throughput');
  // Give the page's watch a moment to be open, then make pods while it watches.
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < 20; i++) await api('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `burst-${i}` }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const charted = async () =>
    page.evaluate(() => {
      const g = globalThis as any;
      const sums = [...g.document.querySelectorAll('canvas')].map((c: any) => g.Chart.getChart(c).data.datasets.map((d: any) => d.data.reduce((n: number, p: any) => n + p.y, 0)));
      return sums as number[][];
    });
  const deadline = Date.now() + 10_000;
  let sums = await charted();
  while ((sums[0]![0]! < 20 || sums[0]![1]! < 20 || sums[1]![0]! <= 0) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    sums = await charted();
  }
  t.true(sums[0]![0]! >= 20, `pods created: ${sums[0]![0]}`);
  t.true(sums[0]![1]! >= 20, `pods Running: ${sums[0]![1]}`);
  t.true(sums[1]![0]! > 0, 'API requests per second from /metrics');
  await shot(page, 'throughput');
  for (let i = 0; i < 20; i++) await api('DELETE', `/api/v1/namespaces/default/pods/burst-${i}`);
});

uiTest('with authentication the page asks for a token, uses it, and shows only what its user may read', async (t) => {
  const tokens = new Map([
    ['viewer-token', { name: 'viewer', uid: 'v', groups: ['helmsman:view'] }],
    ['bootstrap-token', { name: 'system:bootstrap:abcdef', uid: 'b', groups: ['system:bootstrappers'] }],
  ]);
  const secured = await Cluster.start({ minions: 2, shards: 1, runtime: 'fake', api: { authentication: { tokens, anonymous: false } } });
  t.teardown(() => secured.stop());
  const page = await open(t, '', secured.url!);
  const signIn = async (token: string) => {
    await page.goto(`${secured.url}/ui/`, { waitUntil: 'load' });
    await page.waitForSelector('[data-view="login"] input[name="token"]');
    await page.type('input[name="token"]', token);
    await page.click('[data-view="login"] button[type="submit"]');
  };
  await signIn('wrong');
  t.regex((await waitForText(page, '[data-view="login"] .error', (x) => x.length === 1))[0]!, /^Error from server \(Unauthorized\)/);
  await shot(page, 'login');
  await signIn('viewer-token');
  t.deepEqual(await waitForText(page, '[data-count="nodes"] b', (x) => x[0] === '2 / 2'), ['2 / 2']);
  // A bootstrap token may only ask for a node's certificate: the page says Forbidden and shows nothing.
  await page.click('header button');
  await signIn('bootstrap-token');
  const errors = await waitForText(page, '[data-view="overview"] .error', (x) => x.length > 0);
  t.regex(errors[0]!, /^Error from server \(Forbidden\)/);
  t.deepEqual(await page.$$('[data-node]'), []);
});

uiTest('at 1,000 minions and 10,000 pods the overview shows every node and pod, as squares, and the pod list draws only what is in view', async (t) => {
  const big = await Cluster.start({ minions: 1_000, runtime: 'fake', api: true });
  t.teardown(() => big.stop());
  for (let i = 0; i < 100; i++) await big.client.create('replicationcontrollers', controller(`big-${i}`, 100, { app: `big-${i}` }));
  await big.client.waitFor('pods', { fields: 'status.phase=Running' }, (pods) => pods.length === 10_000, 60_000);
  const page = await open(t, '', big.url!);
  await waitForText(page, '[data-count="nodes"] b', (x) => x[0] === '1000 / 1000', 30_000);
  await waitForText(page, '[data-count="pods-Running"] b', (x) => x[0] === '10000', 30_000);
  t.is((await page.$$('[data-grid="nodes"] .cell')).length, 1_000, 'a square per node past 120 nodes');
  await shot(page, 'overview-1000-nodes');
  await page.goto(`${big.url}/ui/#/pods`, { waitUntil: 'load' });
  await waitForText(page, '[data-view="pods"] h2', (x) => x[0] === 'Pods 10000', 30_000);
  const drawn = (await page.$$('[data-view="pods"] tbody tr')).length;
  t.true(drawn > 10 && drawn < 100, `${drawn} rows drawn of 10,000`);
});

uiTest('no page logged an error or asked any other host for anything', (t) => {
  t.true(pages.length >= 6);
  // The browser itself logs every failed request: the refused create's 422, and the 401 and 403 of the test with authentication, are the ones expected.
  t.deepEqual(pages.flatMap((p) => p.consoleErrors).filter((e) => !/status of (401|403|422)/.test(e)), []);
  t.deepEqual(pages.flatMap((p) => p.blocked), []);
});
