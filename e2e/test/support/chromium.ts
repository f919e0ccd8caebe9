/**
 * Headless Chromium for the end-to-end tests of the dashboard: Debian's Chromium (CHROMIUM_BIN, from
 * scripts/install-chromium.sh) driven by playwright-core, which never downloads a browser of its own.
 * Besides the launch: a recorder of everything that would be a problem in normal operation (console
 * errors and warnings, uncaught exceptions, failed requests, HTTP errors), the bytes a page load
 * transfers, and full-page screenshots written where CI keeps its artefacts.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Under .cache/ (gitignored; CI keeps .cache between runs, so the screenshots outlive the run). */
export const SCREENSHOT_DIR = join(ROOT, '.cache/artifacts/dashboard');

/**
 * The Chromium to drive. Missing, the test fails rather than skips: a dashboard nobody looked at in a
 * browser is not tested, and a silent skip would let CI pass without it.
 */
/** `describe` where Chromium is at hand (CI's set-up installs it and sets CHROMIUM_BIN), else `describe.skip`. */
export const describeWithChromium = process.env.CHROMIUM_BIN ? describe : describe.skip;

export function chromiumPath(): string {
  const bin = process.env.CHROMIUM_BIN;
  if (!bin) throw new Error('CHROMIUM_BIN is not set: the dashboard is tested in a real Chromium. Run `export CHROMIUM_BIN=$(bash scripts/install-chromium.sh)` first (it installs Debian\'s chromium when missing).');
  return bin;
}

export async function launchChromium(): Promise<Browser> {
  // playwright-core passes --no-sandbox itself (its chromiumSandbox default is false), which Chromium
  // needs when the tests run as root, as CI does.
  return chromium.launch({ executablePath: chromiumPath(), headless: true });
}

export interface PageProblems {
  /**
   * What went wrong since the last call, one line each: `console.error: …`, `request failed: GET … (net::…)`,
   * `HTTP 404: GET …`. Taken, so each test reports its own problems rather than those of an earlier one.
   */
  take(): string[];
  /** Stops recording: the requests a closing page aborts (its event stream) are no problem of the page. */
  stop(): void;
}

/** Records, from now on, everything on `page` that a user's browser would show as an error or warning. */
export function recordProblems(page: Page): PageProblems {
  const problems: string[] = [];
  let recording = true;
  const add = (line: string) => {
    if (recording) problems.push(line);
  };
  page.on('console', (message) => {
    const type = message.type();
    if (type === 'error' || type === 'warning' || type === 'assert') {
      const { url, lineNumber } = message.location();
      add(`console.${type}: ${message.text()}${url ? ` (${url}:${lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (error) => add(`uncaught: ${error.stack ?? error.message}`));
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? 'unknown error';
    // The app cancels its own fetches when they are superseded (the details panel closed, or the graph
    // moved to a newer version while an object was loading): AbortController, no error a user sees.
    if (error === 'net::ERR_ABORTED' && request.resourceType() === 'fetch') return;
    add(`request failed: ${request.method()} ${request.url()} (${error})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) add(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return {
    take: () => problems.splice(0),
    stop: () => {
      recording = false;
    },
  };
}

export interface TransferMeter {
  /** Bytes received over the network (headers and bodies, as sent: Chrome's encodedDataLength) since the last reset. */
  bytes(): number;
  /** Requests that finished since the last reset. */
  requests(): number;
  reset(): void;
  detach(): Promise<void>;
}

/**
 * Page weight as DevTools shows it ("transferred"): the sum of every finished request's encoded length,
 * read from the Chrome DevTools Protocol. A request still streaming (the page's event stream) counts
 * once it ends, so it adds nothing to a page load.
 */
export async function meterTransfers(page: Page): Promise<TransferMeter> {
  const session = await page.context().newCDPSession(page);
  let bytes = 0;
  let requests = 0;
  session.on('Network.loadingFinished', (event) => {
    bytes += event.encodedDataLength;
    requests++;
  });
  await session.send('Network.enable');
  return {
    bytes: () => bytes,
    requests: () => requests,
    reset: () => {
      bytes = 0;
      requests = 0;
    },
    detach: () => session.detach().catch(() => undefined),
  };
}

/** A full-page PNG in SCREENSHOT_DIR; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
