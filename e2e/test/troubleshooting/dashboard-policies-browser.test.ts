/**
 * Policies on the dashboard in a real browser (Debian's Chromium, CHROMIUM_BIN, driven by playwright-core),
 * on `portico serve` of testdata/ui/policies.in.yaml: every policy is drawn as a node with the health the
 * server gives it, with a `policy` edge to its target (none for the one whose target does not exist); a
 * click on the conflicted policy opens its details with its finding, its Conflicted condition and its
 * YAML; the page never shows the credentials of the Secrets the policies use. No console error or
 * warning and no failed request. Skipped (visibly) without CHROMIUM_BIN, like the other dashboard test.
 * Runs the compiled CLI and the built dashboard: `npx tsc -b && npm run build:ui` first when run alone.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, describeWithChromium, launchChromium, recordProblems, screenshot, type PageProblems } from '../support/chromium.js';
import { drawnNodes, nodeSelector, waitForGraph } from '../support/dashboard-dom.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

jest.setTimeout(120_000);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const WAIT_MS = 15_000;
const CONFLICTED = 'SecurityPolicy/default/http-allow-new';
/** The credentials in policies.in.yaml's Secrets: an htpasswd line and an API key. */
const CREDENTIALS = ['W6ph5Mm5Pz8GgiULbPgzG37mj9g', 'key-ops-5f2c9a'];

interface Graph {
  nodes: { id: string; kind: string; health: string }[];
  edges: { id: string; from: string; kind: string }[];
}

describeWithChromium('policies on the dashboard in headless Chromium', () => {
  let dir: string | undefined;
  let serve: ServeProcess | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let problems: PageProblems | undefined;

  beforeAll(async () => {
    chromiumPath();
    dir = mkdtempSync(join(tmpdir(), 'portico-dashboard-policies-'));
    mkdirSync(join(dir, 'resources'));
    copyFileSync(join(ROOT, 'testdata/ui/policies.in.yaml'), join(dir, 'resources', 'policies.yaml'));
    serve = await startServeProcess({ resources: join(dir, 'resources'), extraArgs: ['--log-level', 'warn'] });
    await serve.waitReady(30_000);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    problems = recordProblems(page);
  });

  afterAll(async () => {
    problems?.stop();
    await page?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    if (serve) await serve.stop('SIGTERM').catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws every policy with its health and its edges, and opens a policy\'s details', async () => {
    await page!.goto(`http://127.0.0.1:${serve!.adminPort}/ui`, { waitUntil: 'commit' });
    await waitForGraph(page!, WAIT_MS);
    const { status, body: graph } = await serve!.admin<Graph>('/ui/api/graph');
    expect(status).toBe(200);
    const policies = graph.nodes.filter((n) => n.kind.endsWith('Policy'));
    expect(policies.map((n) => n.kind).sort()).toEqual(['AccessLogPolicy', 'BackendPolicy', 'BackendTLSPolicy', 'RateLimitPolicy', 'SecurityPolicy', 'SecurityPolicy', 'SecurityPolicy', 'SecurityPolicy', 'SecurityPolicy', 'SecurityPolicy', 'XBackendTrafficPolicy', 'XTelemetryPolicy']);

    const drawn = new Map((await drawnNodes(page!)).map((n) => [n.id, n]));
    for (const policy of policies) expect({ id: policy.id, kind: drawn.get(policy.id)?.kind, health: drawn.get(policy.id)?.health }).toEqual({ id: policy.id, kind: policy.kind, health: policy.health });
    expect(drawn.get(CONFLICTED)?.health).toBe('warning');
    expect(drawn.get('SecurityPolicy/default/greeter-invalid')?.health).toBe('error');
    const policyEdges = graph.edges.filter((e) => e.kind === 'policy');
    expect(await page!.locator('[data-edge-kind="policy"]').count()).toBe(policyEdges.length);
    expect(policyEdges.some((e) => e.from === 'SecurityPolicy/default/ghost-route')).toBe(false);
    await screenshot(page!, 'policies');

    await page!.click(nodeSelector(CONFLICTED));
    await page!.waitForSelector(`#details[data-node-id=${JSON.stringify(CONFLICTED)}]`, { state: 'visible', timeout: WAIT_MS });
    await page!.waitForSelector('#details-findings [data-finding-code="PolicyConflicted"]', { state: 'attached', timeout: WAIT_MS });
    await page!.waitForSelector('pre#details-yaml', { state: 'attached', timeout: WAIT_MS });
    const details = (await page!.textContent('#details', { timeout: WAIT_MS })) ?? '';
    expect(details).toContain('Accepted=False');
    expect(details).toContain('Conflicted');
    const yaml = (await page!.textContent('#details-yaml', { timeout: WAIT_MS })) ?? '';
    expect(yaml).toContain('kind: SecurityPolicy');
    expect(yaml).toContain('192.0.2.0/24');
    await screenshot(page!, 'policy-details');
    await page!.keyboard.press('Escape');
    await page!.waitForSelector('#details', { state: 'hidden', timeout: WAIT_MS });

    const html = await page!.content();
    for (const secret of CREDENTIALS) expect(html).not.toContain(secret);
    expect(problems!.take()).toEqual([]);
  });
});
