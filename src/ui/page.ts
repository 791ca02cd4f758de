/**
 * The dashboard's page and style sheet. The page is a shell: an import map naming the libraries
 * (served from the package, src/ui/serve.ts) and the app's entry module (src/ui/app/main.ts).
 */

/** The import map: bare module names to the files the gateway serves. */
export const IMPORT_MAP = JSON.stringify({
  imports: {
    preact: '/ui/vendor/preact.mjs',
    'preact/hooks': '/ui/vendor/hooks.mjs',
    htm: '/ui/vendor/htm.mjs',
    yaml: '/ui/vendor/yaml/index.js',
  },
});

/** The page. */
export function pageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>helmsman</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/styles.css">
<script type="importmap">${IMPORT_MAP}</script>
<script src="/ui/vendor/chart.umd.js"></script>
<script type="module" src="/ui/app/main.js"></script>
</head>
<body><div id="app"><p class="muted">Loading…</p></div></body>
</html>
`;
}

/** The style sheet. */
export const STYLES = `
:root { --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #6b7384; --line: #dde1e8; --ok: #2e9b5d; --bad: #d0453b; --warn: #d99a1e; --idle: #b9c0cc; --accent: #3563c9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--ink); }
header { display: flex; align-items: center; gap: 24px; padding: 10px 20px; background: #1d2330; color: #fff; }
header h1 { font-size: 17px; margin: 0; letter-spacing: .5px; }
header nav a { color: #c9d3ea; text-decoration: none; margin-right: 16px; }
header nav a.active, header nav a:hover { color: #fff; }
header .who { margin-left: auto; color: #c9d3ea; font-size: 12px; }
header button { margin-left: 8px; }
main { padding: 16px 20px; display: grid; gap: 16px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; min-width: 0; }
.panel h2 { font-size: 14px; margin: 0 0 8px; display: flex; gap: 8px; align-items: baseline; }
.panel h2 .muted { font-weight: normal; }
.row { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
.muted { color: var(--muted); }
.counts { display: flex; gap: 18px; flex-wrap: wrap; }
.count b { font-size: 22px; display: block; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, 14px); gap: 3px; }
.cell { width: 14px; height: 14px; border-radius: 2px; background: var(--ok); position: relative; }
.cell.notready { background: var(--bad); }
.cell.unknown { background: var(--idle); }
.cell .fill { position: absolute; left: 0; right: 0; bottom: 0; background: rgba(0,0,0,.28); border-radius: 0 0 2px 2px; }
.grid.large { grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 6px; }
.node { border: 1px solid var(--line); border-left: 4px solid var(--ok); border-radius: 4px; padding: 4px 6px; font-size: 12px; }
.node.notready { border-left-color: var(--bad); }
.node.unknown { border-left-color: var(--idle); }
.bar { height: 5px; background: #e7eaf0; border-radius: 3px; overflow: hidden; margin-top: 3px; }
.bar > span { display: block; height: 100%; background: var(--accent); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 420px; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td a { color: var(--accent); text-decoration: none; }
.phase-Running, .ok { color: var(--ok); }
.phase-Pending, .warn { color: var(--warn); }
.phase-Failed, .phase-Unknown, .bad, .Warning { color: var(--bad); }
.phase-Succeeded { color: var(--muted); }
.scroll { overflow-y: auto; position: relative; }
.error { background: #fdecea; border: 1px solid #f3b9b3; color: #8a1f17; border-radius: 4px; padding: 8px 10px; white-space: pre-wrap; }
.success { background: #e8f6ee; border: 1px solid #b4e0c6; color: #1c6b3e; border-radius: 4px; padding: 8px 10px; }
textarea { width: 100%; min-height: 220px; font: 12px/1.4 ui-monospace, monospace; }
pre.logs { background: #11151d; color: #d7dde8; padding: 10px; border-radius: 4px; max-height: 420px; overflow: auto; font: 12px/1.4 ui-monospace, monospace; margin: 0; }
button { font: inherit; padding: 3px 10px; border: 1px solid var(--line); background: #fff; border-radius: 4px; cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { color: var(--bad); }
input[type=number] { width: 70px; }
.tree { font: 12px/1.55 ui-monospace, monospace; }
.tree .depth { display: inline-block; }
.flash { animation: flash 1.5s ease-out; }
@keyframes flash { from { background: #ffd3cf; } to { background: transparent; } }
.login { max-width: 420px; margin: 60px auto; }
.login input { width: 100%; padding: 6px; margin: 8px 0; font: inherit; }
.chart { position: relative; height: 220px; }
.shard-bars { display: grid; gap: 6px; }
.shard-bar { display: grid; grid-template-columns: 60px 1fr 180px; gap: 8px; align-items: center; font-size: 12px; }
`;
