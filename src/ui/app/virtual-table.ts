/**
 * A table that draws only the rows in view (and a few around them): ten thousand pods scroll as
 * lightly as ten. Rows have one fixed height; the space of those not drawn is kept by two spacers.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { html } from './html.js';

const ROW_PX = 28;
const OVERSCAN = 10;

interface Props<T> {
  head: string[];
  rows: T[];
  rowKey: (row: T) => string;
  row: (row: T) => ComponentChildren[];
  /** The height of the scrolling box (default 360 px). */
  heightPx?: number;
}

export function VirtualTable<T>({ head, rows, rowKey, row, heightPx = 360 }: Props<T>) {
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / ROW_PX) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((top + heightPx) / ROW_PX) + OVERSCAN);
  const shown = rows.slice(first, last);
  const cols = head.length;
  return html`<div class="scroll" style=${`max-height:${heightPx}px`} onScroll=${(e: Event) => setTop((e.currentTarget as HTMLElement).scrollTop)}>
    <table data-rows=${rows.length}>
      <thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead>
      <tbody>
        ${first > 0 ? html`<tr style=${`height:${first * ROW_PX}px`}><td colspan=${cols}></td></tr>` : null}
        ${shown.map((r) => html`<tr key=${rowKey(r)} style=${`height:${ROW_PX}px`}>${row(r).map((c) => html`<td>${c}</td>`)}</tr>`)}
        ${last < rows.length ? html`<tr style=${`height:${(rows.length - last) * ROW_PX}px`}><td colspan=${cols}></td></tr>` : null}
      </tbody>
    </table>
  </div>`;
}
