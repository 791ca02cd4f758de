/**
 * The dashboard's files, served by the gateway under `/ui/`: the page, its compiled scripts
 * (src/ui/app, built by `tsc -p src/ui/app`) and the libraries it runs on, read from this package's
 * own `node_modules` — preact and htm for the views, Chart.js for the charts, yaml to read what is
 * pasted. Nothing is fetched from anywhere else: the Content-Security-Policy says so to the browser
 * too. The files hold no cluster data, so they are public; the page asks for a token when the API
 * wants one, and reads only what that token may.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';
import { notFound, StatusError } from '../api/status.js';
import { pageHtml, IMPORT_MAP, STYLES } from './page.js';

/** A file the dashboard serves. */
interface Asset {
  type: string;
  body: Buffer;
}

const require = createRequire(import.meta.url);
const APP_DIR = fileURLToPath(new URL('./app/', import.meta.url));

/** The libraries, by the path the page asks for (`/ui/vendor/...`). */
function vendorFiles(): Map<string, string> {
  const files = new Map<string, string>([
    ['preact.mjs', require.resolve('preact').replace(/preact\.(c?js|mjs)$/, 'preact.mjs')],
    ['hooks.mjs', require.resolve('preact/hooks').replace(/hooks\.(c?js|mjs)$/, 'hooks.mjs')],
    ['htm.mjs', join(dirname(require.resolve('htm')), 'htm.mjs')],
    ['chart.umd.js', join(dirname(require.resolve('chart.js')), 'chart.umd.min.js')],
  ]);
  // yaml's browser build is a tree of modules that import each other by relative paths.
  const yamlRoot = join(dirname(require.resolve('yaml')), '..', 'browser');
  for (const file of walk(yamlRoot)) if (file.endsWith('.js')) files.set(`yaml/${relative(yamlRoot, file).split(sep).join('/')}`, file);
  return files;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const JS = 'text/javascript; charset=utf-8';

/** Every asset by its path under /ui/, read once (a few hundred kB in all). */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  // A source map's comment would send a browser with its tools open looking for a file not served.
  const js = (path: string) => ({ type: JS, body: Buffer.from(readFileSync(path, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')) });
  for (const [name, path] of vendorFiles()) assets.set(`vendor/${name}`, js(path));
  // Built by `tsc -p src/ui/app` (npm run build); without it the page says so instead of loading nothing.
  if (existsSync(APP_DIR)) for (const file of readdirSync(APP_DIR)) if (file.endsWith('.js')) assets.set(`app/${file}`, js(join(APP_DIR, file)));
  assets.set('styles.css', { type: 'text/css; charset=utf-8', body: Buffer.from(STYLES) });
  assets.set('', { type: 'text/html; charset=utf-8', body: Buffer.from(pageHtml()) });
  return assets;
}

/** The page's policy: its own origin only; the one inline script is the import map, allowed by its hash. */
const CSP = [
  "default-src 'none'",
  `script-src 'self' 'sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}'`,
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Serves `/ui/` (and sends `/ui` there); every other path goes on to the API. */
export function uiAssets(): Middleware {
  let assets: Map<string, Asset> | undefined;
  return async (ctx, next) => {
    if (ctx.path === '/ui') return ctx.redirect('/ui/');
    // `/ui/api/` is the dashboard's API (src/api/watch-multiplex.ts), behind access control as the rest.
    if (!ctx.path.startsWith('/ui/') || ctx.path.startsWith('/ui/api/')) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new StatusError({ code: 405, reason: 'MethodNotAllowed', message: `the dashboard's files are read only (${ctx.method})` });
    assets ??= loadAssets();
    if (!assets.has('app/main.js')) throw new StatusError({ code: 503, reason: 'ServiceUnavailable', message: `the dashboard's scripts are not built (${APP_DIR}): run npm run build` });
    const asset = assets.get(ctx.path.slice('/ui/'.length));
    if (!asset) throw notFound('path', ctx.path);
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', ctx.path === '/ui/' ? 'no-cache' : 'max-age=300');
    ctx.type = asset.type;
    ctx.body = asset.body;
  };
}
