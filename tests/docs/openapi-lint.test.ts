// The OpenAPI document the app serves: every operation named, tagged and summarised, and Redocly's recommended rules clean.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../helpers/harness.js';

type Operation = { operationId?: string; tags?: string[]; summary?: string };
type Document = { paths: Record<string, Record<string, Operation>>; servers?: unknown[]; info: { license?: unknown } };

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Redocly CLI, pinned in package.json and run from node_modules: no network, no telemetry. */
function redoclyLint(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['node_modules/@redocly/cli/bin/cli.js', 'lint', '--config', 'redocly.yaml', '--format', 'json', file],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the served OpenAPI document', () => {
  let h: Harness;
  let document: Document;
  let text: string;
  beforeAll(async () => {
    h = await createHarness('pglite');
    const res = await h.request('GET', '/openapi.json', { as: null });
    expect(res.status).toBe(200);
    text = await res.text();
    document = JSON.parse(text) as Document;
  });
  afterAll(async () => {
    await h?.db.close();
  });

  it('gives every operation an operationId (camelCase, unique), tags and a summary', () => {
    const missing: string[] = [];
    const seen = new Map<string, string>();
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of methods) {
        const op = item[method];
        if (!op) continue;
        const route = `${method.toUpperCase()} ${path}`;
        const lacks = [!op.operationId && 'operationId', !op.tags?.length && 'tags', !op.summary && 'summary'].filter(Boolean);
        if (lacks.length) missing.push(`${route} lacks ${lacks.join(', ')} (add them to its createRoute/authedRoute declaration)`);
        if (op.operationId && !/^[a-z][A-Za-z0-9]*$/.test(op.operationId)) missing.push(`${route}: operationId "${op.operationId}" is not camelCase`);
        if (op.operationId && seen.has(op.operationId)) missing.push(`${route}: operationId "${op.operationId}" is also used by ${seen.get(op.operationId)}`);
        if (op.operationId) seen.set(op.operationId, route);
      }
    }
    expect(missing, missing.join('\n')).toEqual([]);
  });

  it('describes the routes served outside the validated API path too', () => {
    const documented = new Set(Object.entries(document.paths).flatMap(([path, item]) => methods.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`)));
    const expected = [
      'GET /healthz',
      'GET /readyz',
      'POST /webhooks/sendgrid',
      'POST /webhooks/twilio',
      'GET /status',
      'GET /status/{slug}',
      'GET /api/v2/summary.json',
      'GET /api/v2/status.json',
      'GET /api/v2/incidents.json',
      'GET /api/v2/incidents/unresolved.json',
      'GET /history.atom',
      'GET /history.rss',
    ];
    expect(expected.filter((r) => !documented.has(r))).toEqual([]);
    expect(document.servers?.length).toBeGreaterThan(0);
    expect(document.info.license).toBeDefined();
  });

  it('passes `redocly lint` with the recommended rules: 0 errors, 0 warnings', async () => {
    // At a fixed path, which .redocly.lint-ignore.yaml names.
    mkdirSync('tmp', { recursive: true });
    const file = 'tmp/openapi.json';
    writeFileSync(file, text);
    {
      const { code, stdout, stderr } = await redoclyLint(file);
      let report: { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer: string }[] }[] };
      try {
        report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as typeof report;
      } catch {
        throw new Error(`redocly lint printed no JSON report (exit ${code}):\n${stdout}\n${stderr}`);
      }
      const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`);
      expect(problems, problems.join('\n')).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
      expect(code).toBe(0);
      // The only problems set aside: the probes, which no request can make answer 4xx.
      expect(report.totals).toMatchObject({ ignored: 2 });
    }
  }, 120_000);
});
