/** Headless Chromium for the browser tests (the benchmark report, the dashboard). */
import test from 'ava';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Chromium as Debian installs it (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is here. */
export const chromiumFound = existsSync(CHROMIUM);
/** `test` where Chromium exists, else a skip — or, with HELMSMAN_CHROMIUM_TESTS=required, one failing test saying why. */
export const chromiumTest = chromiumFound ? test : test.skip;
if (!chromiumFound) {
  if (process.env.HELMSMAN_CHROMIUM_TESTS === 'required') {
    test('a Chromium binary exists (HELMSMAN_CHROMIUM_TESTS=required)', (t) => t.fail(`no ${CHROMIUM}`));
  } else {
    process.stderr.write(`Browser tests skipped: no ${CHROMIUM} (apt-get install chromium)\n`);
  }
}

/** Starts headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
}

/** A page whose requests may go only where `allowed` says; the others are aborted and kept, as are console errors. */
export interface WatchedPage {
  page: Page;
  consoleErrors: string[];
  blocked: string[];
}

export async function watchedPage(browser: Browser, allowed: (url: string) => boolean): Promise<WatchedPage> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const consoleErrors: string[] = [];
  const blocked: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    if (allowed(r.url())) return void r.continue();
    blocked.push(r.url());
    return void r.abort();
  });
  return { page, consoleErrors, blocked };
}

/** Where tests keep what a person may want to look at afterwards (screenshots): `artifacts/` at the repository's root. */
export function artifactDir(...parts: string[]): string {
  const dir = fileURLToPath(new URL(`../../artifacts/${parts.join('/')}`, import.meta.url));
  mkdirSync(dir, { recursive: true });
  return dir;
}
