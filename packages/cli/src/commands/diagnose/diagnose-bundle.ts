/**
 * `portico diagnose --bundle out.tar.gz`: the evidence to attach to an issue, in one file — the report
 * (as printed and as JSON), the statuses, the IR, the served xDS, with --admin the connected proxies,
 * the objects and the server's latest log entries, plus a README.txt saying what is there and where the
 * rest is (older log lines). Every document comes redacted from its source; as a last guard, any PEM
 * block left in a text is replaced before it is written.
 */
import { open, rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { renderReport, type DiagnoseReport } from '@portico/diagnose';
import { pack } from 'tar-stream';

export interface BundleContents {
  report: DiagnoseReport;
  /** File name → document (JSON), already redacted by its source. */
  evidence: Record<string, unknown>;
  notes: string[];
  createdAt: Date;
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g;

/** Any PEM block (a key or a certificate) replaced: secret material never goes into a bundle. */
export function scrubPem(text: string): string {
  return text.replace(PEM_BLOCK, '[redacted PEM block]');
}

/** The bundle's files, in the order they are written, each under one top-level folder. */
export function bundleFiles(contents: BundleContents): { name: string; text: string }[] {
  const stamp = contents.createdAt.toISOString().replace(/[:.]/g, '-');
  const folder = `portico-diagnose-${stamp}`;
  const files = [
    { name: 'README.txt', text: readme(contents) },
    { name: 'report.txt', text: renderReport(contents.report, 'table') },
    { name: 'report.json', text: renderReport(contents.report, 'json') },
    ...Object.entries(contents.evidence).map(([name, document]) => ({ name, text: `${JSON.stringify(document, null, 2)}\n` })),
  ];
  return files.map(({ name, text }) => ({ name: `${folder}/${name}`, text: scrubPem(text) }));
}

/** Writes the bundle next to `path` and moves it into place, so a failure leaves no half-written file. */
export async function writeBundle(path: string, contents: BundleContents): Promise<void> {
  const partial = `${path}.partial`;
  // Opened first: a folder that does not exist fails here, before any stream is running.
  const file = await open(partial, 'w', 0o600);
  const tar = pack();
  const writing = pipeline(tar, createGzip(), file.createWriteStream());
  try {
    for (const file of bundleFiles(contents)) tar.entry({ name: file.name, mode: 0o644, mtime: contents.createdAt }, file.text);
    tar.finalize();
    await writing;
    await rename(partial, path);
  } catch (error) {
    tar.destroy();
    await writing.catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

function readme(contents: BundleContents): string {
  const { summary, exitCode, gateway } = contents.report;
  const evidence = Object.keys(contents.evidence);
  const describe: Record<string, string> = {
    'status.json': 'every Gateway API / Ingress object with the status Portico computed, and diagnostics',
    'ir.json': 'the IR of each gateway (private keys replaced, certificates summarised)',
    'xds.json': 'the xDS each gateway\'s proxies are served, in /config_dump shape (key material redacted)',
    'clients.json': 'the connected proxies: node, gateway, ACKed version per type, last NACK',
    'resources.json': 'the objects the server holds (Secrets: type and key names only)',
    'logs.json': 'the latest log entries the server kept, oldest first (its /debug/logs)',
  };
  return [
    'Portico diagnose evidence bundle',
    `Created: ${contents.createdAt.toISOString()}`,
    ...(gateway ? [`Gateway: ${gateway}`] : []),
    `Result: ${summary.FAIL} failed, ${summary.WARN} warnings, ${summary.OK} ok (exit code ${exitCode})`,
    '',
    'Files:',
    '  report.txt    the report as `portico diagnose` prints it',
    '  report.json   the same report as JSON',
    ...evidence.map((name) => `  ${name.padEnd(13)} ${describe[name] ?? ''}`.trimEnd()),
    '',
    'Secret material (private keys, certificate PEM data, Secret data) is never included.',
    ...contents.notes,
    '',
  ].join('\n');
}
