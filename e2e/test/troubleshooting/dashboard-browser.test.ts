/**
 * The dashboard (issue 16, "Done means") in a real browser: Debian's Chromium (CHROMIUM_BIN, from
 * scripts/install-chromium.sh) driven by playwright-core, on `portico serve` run as a user runs it, on a
 * temp copy of examples/. Everything is read through the DOM contract (stable data-* attributes):
 * the page loads the examples and draws the graph; a route broken by a file edit turns red within 2 s
 * and back once fixed; `explain` highlights the path of the request; the keyboard reaches a node and
 * opens and closes its details; inputs of 100 and 1,000 routes load within 2 s. No console error or
 * warning, no failed request, at any step. Screenshots land in .cache/artifacts/dashboard/ (CI keeps
 * .cache), and the figures (load times, page weight, time from a file edit to the page) are printed.
 *
 * Like the tests that need Envoy or kube-apiserver, it runs where the browser is at hand and is skipped
 * (visibly, as skipped tests) where it is not, so `npm test` on a fresh machine stays the README's
 * quick start; CI's set-up installs Chromium (scripts/install-chromium.sh) and fails without it. Runs
 * the compiled CLI and the built dashboard: `npx tsc -b && npm run build:ui` first when running this
 * file alone.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, describeWithChromium, launchChromium, meterTransfers, recordProblems, screenshot, type PageProblems, type TransferMeter } from '../support/chromium.js';
import { drawnNodes, focusedNodeId, nodeSelector, waitForGraph, waitForGraphVersionChange, waitForNodeHealth } from '../support/dashboard-dom.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

jest.setTimeout(120_000);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const EXAMPLES = join(ROOT, 'examples');
/** Issue 16: a broken route is red within 2 s of the edit (typically 0.15–0.25 s: a wide margin). */
const BOUND_MS = 2_000;
/**
 * Issue 16 also wants 1,000 routes drawn within 2 s: measured and printed (0.65–1.4 s on a loaded 2-core
 * machine), but asserted only against a sanity bound, as speed is judged by measurements, not by timed
 * tests that a loaded machine would make flaky; the first load includes the server's first graph build.
 */
const LOAD_SANITY_MS = 10_000;
/** How long a wait may run before it fails: longer than the bound, so a slow run fails with its figure. */
const WAIT_MS = 15_000;
const ROUTE_FILE = '10-http-routes.yaml';
const SHOP_ROUTE = 'HTTPRoute/default/shop';
/** The example graph: every object examples/ holds that the contract draws as a node. */
const EXAMPLE_NODES: Record<string, string> = {
  'GatewayClass/portico': 'GatewayClass',
  'Gateway/default/demo': 'Gateway',
  'Listener/default/demo/http': 'Listener',
  'Listener/default/demo/https': 'Listener',
  'Listener/default/demo/postgres': 'Listener',
  'Listener/default/demo/dns': 'Listener',
  'HTTPRoute/default/shop': 'HTTPRoute',
  'GRPCRoute/default/greeter': 'GRPCRoute',
  'TCPRoute/default/postgres': 'TCPRoute',
  'UDPRoute/default/dns': 'UDPRoute',
  'Ingress/default/blog': 'Ingress',
  'Service/default/web': 'Service',
  'Service/default/api-v1': 'Service',
  'Service/default/api-v2': 'Service',
  'Service/default/greeter': 'Service',
  'Service/default/postgres': 'Service',
  'Service/default/dns': 'Service',
};
/** `explain` of http://shop.example.com:8080/: the http listener, shop's last rule (`web`), Service web (and its endpoints). */
const EXPLAIN_URL = 'http://shop.example.com:8080/';
const EXPLAIN_PATH = ['Gateway/default/demo', 'Listener/default/demo/http', 'HTTPRoute/default/shop', 'Service/default/web'];
const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'Ingress']);
/** Printed at the end: what the closing note reports. */
const figures: Record<string, number> = {};

/** Replaces a watched file the way editors save (write aside, rename over), so the server never reads a half-written file. */
function replaceFile(dir: string, name: string, text: string): void {
  const aside = join(dirname(dir), `.${name}.${process.pid}.tmp`);
  writeFileSync(aside, text);
  renameSync(aside, join(dir, name));
}

/** A browser page on one server's dashboard, recording problems and bytes from its first request. */
interface DashboardPage {
  page: Page;
  problems: PageProblems;
  transfers: TransferMeter;
}

async function openDashboard(browser: Browser): Promise<DashboardPage> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  return { page, problems: recordProblems(page), transfers: await meterTransfers(page) };
}

async function closeDashboard(dashboard: DashboardPage | undefined): Promise<void> {
  if (!dashboard) return;
  dashboard.problems.stop();
  await dashboard.transfers.detach();
  await dashboard.page.close().catch(() => undefined);
}

/** Navigates to /ui and waits for the graph; returns its version, the load time and the bytes it took. */
async function loadDashboard(dashboard: DashboardPage, serve: ServeProcess): Promise<{ version: string; readyMs: number; bytes: number; requests: number }> {
  dashboard.transfers.reset();
  // 'commit': the clock (performance.now() from the navigation's start) is read by the wait below, on the first frame the graph is there.
  await dashboard.page.goto(`http://127.0.0.1:${serve.adminPort}/ui`, { waitUntil: 'commit' });
  const { version, readyMs } = await waitForGraph(dashboard.page, WAIT_MS);
  return { version, readyMs: Math.round(readyMs), bytes: dashboard.transfers.bytes(), requests: dashboard.transfers.requests() };
}

/** The fields of @portico/ui's GraphDocument this test reads. */
interface Graph {
  version: string;
  nodes: { id: string; kind: string; gateways: string[]; health: string; badges: { level: string; code: string }[] }[];
}

async function graphDocument(serve: ServeProcess): Promise<Graph> {
  const { status, body } = await serve.admin<Graph>('/ui/api/graph');
  expect(status).toBe(200);
  return body;
}

/**
 * The red nodes of a graph with their failures. No Envoy runs in this test, so each Gateway is red for
 * one reason, diagnose's data-plane check NoProxyConnected; that is what a correct page shows, and a red
 * node for any other reason is a bug in the examples or the generated input.
 */
function redNodes(graph: Graph): { id: string; failures: string[] }[] {
  return graph.nodes
    .filter((node) => node.health === 'error')
    .map((node) => ({ id: node.id, failures: node.badges.filter((badge) => badge.level === 'FAIL').map((badge) => badge.code) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
const onlyNoProxy = (gateways: string[]) => [...gateways].sort().map((gateway) => ({ id: `Gateway/${gateway}`, failures: ['NoProxyConnected'] }));

describeWithChromium('the dashboard in headless Chromium, on the examples', () => {
  let dir: string | undefined;
  let serve: ServeProcess | undefined;
  let browser: Browser | undefined;
  let dashboard: DashboardPage | undefined;
  let originalRoutes: string;
  const page = () => dashboard!.page;
  const expectNoProblems = () => expect(dashboard!.problems.take()).toEqual([]);

  beforeAll(async () => {
    chromiumPath();
    dir = mkdtempSync(join(tmpdir(), 'portico-dashboard-'));
    cpSync(EXAMPLES, join(dir, 'resources'), { recursive: true });
    originalRoutes = readFileSync(join(dir, 'resources', ROUTE_FILE), 'utf8');
    serve = await startServeProcess({ resources: join(dir, 'resources') });
    await serve.waitReady(30_000);
    const launchedAt = Date.now();
    browser = await launchChromium();
    figures.chromiumLaunchMs = Date.now() - launchedAt;
    dashboard = await openDashboard(browser);
  });

  afterAll(async () => {
    await closeDashboard(dashboard).catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (serve) await serve.stop('SIGTERM').catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(`dashboard browser figures (examples): ${JSON.stringify(figures)}`);
  });

  it('loads the examples and draws every object as a node with the contract attributes', async () => {
    const load = await loadDashboard(dashboard!, serve!);
    Object.assign(figures, { examplesLoadMs: load.readyMs, examplesPageBytes: load.bytes, examplesRequests: load.requests });
    const graph = await graphDocument(serve!);
    expect(load.version).toBe(graph.version);
    expect(redNodes(graph)).toEqual(onlyNoProxy(['default/demo', 'ingressclass/portico']));

    const served = new Map(graph.nodes.map((node) => [node.id, node]));
    const nodes = new Map((await drawnNodes(page())).map((node) => [node.id, node]));
    for (const [id, kind] of Object.entries(EXAMPLE_NODES)) {
      const node = nodes.get(id);
      expect({ id, drawn: !!node }).toEqual({ id, drawn: true });
      // Each node shows the health the server gives it.
      expect(node).toMatchObject({ kind, health: served.get(id)?.health, tabindex: '0', role: 'button', highlighted: false });
      expect(node!.ariaLabel).toMatch(new RegExp(`^${kind} .+: ${node!.health}$`));
    }
    // Nothing on the example's routes is red before the test breaks one.
    expect(nodes.get(SHOP_ROUTE)!.health).not.toBe('error');
    await page().waitForSelector('#live[data-state="connected"]', { state: 'attached', timeout: WAIT_MS });
    await screenshot(page(), 'examples-loaded');
    expectNoProblems();
  });

  it('turns a route red within 2 s of breaking its file, names the finding, and back once fixed', async () => {
    const healthBefore = (await drawnNodes(page())).find((node) => node.id === SHOP_ROUTE)!.health!;
    const versionBefore = (await waitForGraph(page(), WAIT_MS)).version;

    // api-v2 has no port 9999: the route's second backend of rule `api` cannot be resolved (ServicePortNotFound).
    const broken = originalRoutes.replace(/(- name: api-v2\n\s+port: )8080(\n\s+weight: 10)/, '$19999$2');
    expect(broken).not.toBe(originalRoutes);
    const writtenAt = Date.now();
    replaceFile(join(dir!, 'resources'), ROUTE_FILE, broken);
    let fixed = false;
    try {
      const redAt = await waitForNodeHealth(page(), SHOP_ROUTE, ['error'], WAIT_MS);
      figures.fileEditToRedMs = redAt - writtenAt;
      expect(await waitForGraphVersionChange(page(), versionBefore, WAIT_MS)).not.toBe(versionBefore);
      expect(await page().getAttribute(nodeSelector(SHOP_ROUTE), 'aria-label')).toMatch(/: error$/);
      await screenshot(page(), 'route-broken');

      // A click opens the details, with the finding that made it red.
      await page().click(nodeSelector(SHOP_ROUTE));
      await page().waitForSelector(`#details[data-node-id=${JSON.stringify(SHOP_ROUTE)}]`, { state: 'visible', timeout: WAIT_MS });
      await page().waitForSelector('#details-findings [data-finding-code="ServicePortNotFound"]', { state: 'attached', timeout: WAIT_MS });
      await page().keyboard.press('Escape');
      await page().waitForSelector('#details', { state: 'hidden', timeout: WAIT_MS });

      const fixedAt = Date.now();
      replaceFile(join(dir!, 'resources'), ROUTE_FILE, originalRoutes);
      fixed = true;
      figures.fileFixToRecoveredMs = (await waitForNodeHealth(page(), SHOP_ROUTE, [healthBefore], WAIT_MS)) - fixedAt;
    } finally {
      // The later tests run on the examples as they came.
      if (!fixed) replaceFile(join(dir!, 'resources'), ROUTE_FILE, originalRoutes);
    }

    expect(figures.fileEditToRedMs).toBeLessThan(BOUND_MS);
    expect(figures.fileFixToRecoveredMs).toBeLessThan(BOUND_MS);
    expectNoProblems();
  });

  it('explains a request: the outcome, and the path through the graph highlighted', async () => {
    await page().fill('#explain-url', EXPLAIN_URL);
    const askedAt = Date.now();
    await page().click('#explain-submit');
    await page().waitForSelector('#explain-result[data-outcome]', { timeout: WAIT_MS });
    expect(await page().getAttribute('#explain-result', 'data-outcome')).toBe('forwarded');
    await page().waitForSelector(`${nodeSelector(SHOP_ROUTE)}[data-highlighted="true"]`, { timeout: WAIT_MS });
    figures.explainToHighlightMs = Date.now() - askedAt;

    const highlighted = (await drawnNodes(page())).filter((node) => node.highlighted);
    const ids = highlighted.map((node) => node.id);
    expect(ids).toEqual(expect.arrayContaining(EXPLAIN_PATH));
    // Nothing off the path: no other route (the Ingress shares Service web), no other listener, only web's endpoints.
    const offPath = ids.filter((id) => !EXPLAIN_PATH.includes(id) && !id.startsWith('Endpoint/default/web/'));
    expect(offPath).toEqual([]);
    expect(highlighted.filter((node) => ROUTE_KINDS.has(node.kind ?? '')).map((node) => node.id)).toEqual([SHOP_ROUTE]);
    await screenshot(page(), 'explain');
    expectNoProblems();
  });

  it('is usable from the keyboard: Tab reaches a node, Enter opens its details with its YAML, Escape closes them', async () => {
    await page().evaluate(() => (globalThis as unknown as { document: { activeElement: { blur?(): void } | null } }).document.activeElement?.blur?.());
    let focused: string | null = null;
    // Bounded: the filters and the explain form may come first in the tab order.
    for (let presses = 0; presses < 100 && !focused; presses++) {
      await page().keyboard.press('Tab');
      focused = await focusedNodeId(page());
    }
    expect(focused).not.toBeNull();

    await page().keyboard.press('Enter');
    await page().waitForSelector(`#details[data-node-id=${JSON.stringify(focused)}]`, { state: 'visible', timeout: WAIT_MS });
    const { status, body } = await serve!.admin<{ yaml: string }>(`/ui/api/object?id=${encodeURIComponent(focused!)}`);
    expect(status).toBe(200);
    // The panel opens at once with "Loading…" in #details-yaml; the object's YAML replaces it (a <pre>) once fetched.
    await page().waitForSelector('pre#details-yaml', { state: 'attached', timeout: WAIT_MS });
    const shown = await page().textContent('#details-yaml', { timeout: WAIT_MS });
    // Every line of the object's YAML is shown (the page may add highlighting or line numbers around them).
    const missing = body.yaml.split('\n').map((line) => line.trim()).filter((line) => line && !shown!.includes(line));
    expect(missing).toEqual([]);

    await page().keyboard.press('Escape');
    await page().waitForSelector('#details', { state: 'hidden', timeout: WAIT_MS });
    expectNoProblems();
  });
});

describeWithChromium.each([100, 1_000])('the dashboard in headless Chromium, at %i generated routes', (routes) => {
  let dir: string | undefined;
  let serve: ServeProcess | undefined;
  let browser: Browser | undefined;
  let dashboard: DashboardPage | undefined;
  const sized: Record<string, number> = {};

  beforeAll(async () => {
    chromiumPath();
    dir = mkdtempSync(join(tmpdir(), `portico-dashboard-${routes}-`));
    // bench's HTTP workload (bench/generate-input.mjs): Gateway default/bench, N HTTPRoutes, N Services.
    await promisify(execFile)(process.execPath, [join(ROOT, 'bench/run.mjs'), '--routes', String(routes), '--emit-yaml', join(dir, 'input.yaml')]);
    serve = await startServeProcess({ resources: dir, extraArgs: ['--log-level', 'warn'] });
    await serve.waitReady(90_000);
    browser = await launchChromium();
    dashboard = await openDashboard(browser);
  });

  afterAll(async () => {
    await closeDashboard(dashboard).catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (serve) await serve.stop('SIGTERM').catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log(`dashboard browser figures (${routes} routes): ${JSON.stringify(sized)}`);
  });

  it('draws the graph (load time printed), collapsed per gateway past 200 nodes', async () => {
    const load = await loadDashboard(dashboard!, serve!);
    Object.assign(sized, { loadMs: load.readyMs, pageBytes: load.bytes, requests: load.requests });
    const graph = await graphDocument(serve!);
    sized.graphNodes = graph.nodes.length;
    expect(load.version).toBe(graph.version);
    expect(graph.nodes.filter((node) => node.kind === 'HTTPRoute')).toHaveLength(routes);
    expect(redNodes(graph)).toEqual(onlyNoProxy(['default/bench']));

    const page = dashboard!.page;
    if (graph.nodes.length > 200) {
      const group = `[data-group-id="Gateway/default/bench"]`;
      await page.waitForSelector(group, { timeout: WAIT_MS });
      expect(await page.getAttribute(group, 'aria-expanded')).toBe('false');
      // The worst inside: the Gateway, red without a proxy.
      expect(await page.getAttribute(group, 'data-health')).toBe('error');
    } else {
      const drawn = new Set((await drawnNodes(page)).map((node) => node.id));
      expect(graph.nodes.map((node) => node.id).filter((id) => !drawn.has(id))).toEqual([]);
    }
    await screenshot(page, `routes-${routes}`);
    expect(load.readyMs).toBeLessThan(LOAD_SANITY_MS);
    expect(dashboard!.problems.take()).toEqual([]);
  });

  it('expands the collapsed gateway into its routes (timed; the issue sets no bound)', async () => {
    const page = dashboard!.page;
    const group = `[data-group-id="Gateway/default/bench"]`;
    const clickedAt = Date.now();
    await page.click(group);
    await page.waitForSelector(`${group}[aria-expanded="true"], [data-node-id="Gateway/default/bench"]`, { state: 'attached', timeout: WAIT_MS });
    await page.waitForSelector('[data-node-id][data-kind="HTTPRoute"]', { timeout: WAIT_MS });
    sized.expandMs = Date.now() - clickedAt;
    sized.drawnAfterExpand = (await drawnNodes(page)).length;
    await screenshot(page, `routes-${routes}-expanded`);
    expect(dashboard!.problems.take()).toEqual([]);
  });
});
