/** htm bound to preact's `h`: views are tagged templates, with no build step of their own. */
import { h } from 'preact';
import { useEffect, useReducer } from 'preact/hooks';
import htm from 'htm';
import type { Informer } from './informer.js';

export const html = htm.bind(h);

/** Redraws the component whenever one of `informers` changes (coalesced by the informers). */
export function useInformers(...informers: Informer<any>[]): void {
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const offs = informers.map((i) => i.subscribe(() => redraw(undefined as never)));
    return () => offs.forEach((off) => off());
  }, informers);
}

/** `12s`, `5m`, `3h`, `2d` since an RFC 3339 time, as kubectl prints ages. */
export function age(time: string | undefined, now = Date.now()): string {
  if (!time) return '';
  const s = Math.max(0, Math.round((now - Date.parse(time)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

/** An href inside the page. */
export const link = (...parts: string[]): string => `#/${parts.map(encodeURIComponent).join('/')}`;
