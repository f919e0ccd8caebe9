/**
 * The dashboard's DOM contract (issue 16, docs in COMMON: stable attributes, not CSS classes) as the
 * browser test reads it: the graph is drawn when `#portico-ui` carries `data-graph-version` and a node or
 * a collapsed gateway group is on the page; each node is `[data-node-id]` with `data-health`, `data-kind`
 * and `data-highlighted="true"` while on the explain path.
 *
 * The in-page functions run in Chromium: they are plain functions of their argument, typed against the
 * little of the DOM they touch (e2e compiles without lib.dom), and wait by polling on animation frames
 * (Playwright's waitForFunction), never by sleeping.
 */
import type { Page } from 'playwright-core';

/** The part of the browser's globals the in-page functions use. */
interface InPage {
  document: { querySelector(selector: string): InPageElement | null; querySelectorAll(selector: string): ArrayLike<InPageElement> };
  performance: { now(): number };
}
interface InPageElement {
  getAttribute(name: string): string | null;
}

export interface DrawnNode {
  id: string;
  kind: string | null;
  health: string | null;
  ariaLabel: string | null;
  tabindex: string | null;
  role: string | null;
  highlighted: boolean;
}

/** Playwright's timeout says only how long it waited: name what was awaited and what the page showed instead. */
async function awaited<T>(what: string, wait: Promise<T>, shown: () => Promise<unknown>): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    const seen = await shown().catch((reason: unknown) => `unreadable: ${String(reason)}`);
    throw new Error(`${what}: ${(error as Error).message.split('\n')[0]} (the page shows ${JSON.stringify(seen)})`);
  }
}

/** A CSS attribute selector for a node id (ids hold `/`, `:` and `.`, never quotes). */
export const nodeSelector = (id: string) => `[data-node-id=${JSON.stringify(id)}]`;

/**
 * Waits until the graph is drawn; returns its version and the milliseconds from the start of the
 * navigation (the page's own clock, performance.now()) to the first frame it was there.
 */
export async function waitForGraph(page: Page, timeoutMs: number): Promise<{ version: string; readyMs: number }> {
  const wait = page.waitForFunction(
    () => {
      const { document, performance } = globalThis as unknown as InPage;
      const version = document.querySelector('main#portico-ui')?.getAttribute('data-graph-version');
      if (!version || !document.querySelector('[data-node-id], [data-group-id]')) return false;
      return { version, readyMs: performance.now() };
    },
    undefined,
    { timeout: timeoutMs },
  );
  const handle = await awaited('waiting for the graph (#portico-ui[data-graph-version] and a node or group drawn)', wait, () => pageSummary(page));
  return (await handle.jsonValue()) as { version: string; readyMs: number };
}

/** Every drawn node with its contract attributes. */
export async function drawnNodes(page: Page): Promise<DrawnNode[]> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as InPage;
    return Array.from(document.querySelectorAll('[data-node-id]'), (element) => ({
      id: element.getAttribute('data-node-id')!,
      kind: element.getAttribute('data-kind'),
      health: element.getAttribute('data-health'),
      ariaLabel: element.getAttribute('aria-label'),
      tabindex: element.getAttribute('tabindex'),
      role: element.getAttribute('role'),
      highlighted: element.getAttribute('data-highlighted') === 'true',
    }));
  });
}

/**
 * Waits until node `id` shows a health in `healths`; returns the wall-clock time (Date.now() in the
 * page, the same clock as the test's on this machine) of the first frame it did.
 */
export async function waitForNodeHealth(page: Page, id: string, healths: string[], timeoutMs: number): Promise<number> {
  const wait = page.waitForFunction(
    ({ selector, healths }) => {
      const { document } = globalThis as unknown as InPage;
      const health = document.querySelector(selector)?.getAttribute('data-health');
      return health !== undefined && health !== null && healths.includes(health) && Date.now();
    },
    { selector: nodeSelector(id), healths },
    { timeout: timeoutMs },
  );
  const handle = await awaited(`waiting for ${id} to show data-health ${healths.join(' or ')}`, wait, () => page.getAttribute(nodeSelector(id), 'data-health', { timeout: 1_000 }));
  return (await handle.jsonValue()) as number;
}

/** Waits until the page shows a graph version other than `previous`; returns it. */
export async function waitForGraphVersionChange(page: Page, previous: string, timeoutMs: number): Promise<string> {
  const wait = page.waitForFunction(
    (previous) => {
      const { document } = globalThis as unknown as InPage;
      const version = document.querySelector('main#portico-ui')?.getAttribute('data-graph-version');
      return !!version && version !== previous && version;
    },
    previous,
    { timeout: timeoutMs },
  );
  const handle = await awaited(`waiting for a graph version other than ${previous}`, wait, () => pageSummary(page));
  return (await handle.jsonValue()) as string;
}

/** The node focused now, if the focus is on one. */
export async function focusedNodeId(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as { document: { activeElement: InPageElement | null } };
    return document.activeElement?.getAttribute('data-node-id') ?? null;
  });
}

/** What a failed wait reports: the graph version shown, how many nodes and groups are drawn, and the start of the page's text. */
async function pageSummary(page: Page): Promise<unknown> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as InPage & { document: { body: { innerText: string } | null } };
    return {
      graphVersion: document.querySelector('main#portico-ui')?.getAttribute('data-graph-version') ?? null,
      nodes: document.querySelectorAll('[data-node-id]').length,
      groups: document.querySelectorAll('[data-group-id]').length,
      text: (document.body?.innerText ?? '').slice(0, 300),
    };
  });
}
