// bench/status: the public /api/v2/summary.json under 1,000 connections, next to a bare Hono route in the same run.
// Target: at least 0.8× the bare route's requests/s, and p99 under 10 ms.
// Usage: npx tsx bench/status.ts   (BENCH_SECONDS, BENCH_CONNECTIONS; runs on the embedded database)
import autocannon from 'autocannon';
import { startBenchServer } from './server-process.js';
import { sampleIncidentBody, sampleNotice } from './samples.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 1000);

const server = await startBenchServer({ DATABASE_URL: '' });
const base = `http://127.0.0.1:${server.appPort}`;
const as = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const post = async (path: string, token: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: as(token), body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ id: string }>;
};

// A published announcement with a few updates, as during an incident.
const { id } = await post('/v1/incidents', server.token, sampleIncidentBody());
await post(`/v1/incidents/${id}/notices`, server.token, { content: sampleNotice() });
await post(`/v1/incidents/${id}/notices/1/approve`, server.approverToken);
await post(`/v1/incidents/${id}/announcement`, server.token, {});
await post(`/v1/incidents/${id}/announcement/publish`, server.token);
for (const status of ['identified', 'monitoring']) {
  await post(`/v1/incidents/${id}/announcement/updates`, server.token, { status, body: { en: `Update: ${status}.`, 'zh-CN': `更新：${status}。` } });
}

const run = (url: string) => autocannon({ url, connections, duration: seconds });
await run(`http://127.0.0.1:${server.barePort}/bare`);
await run(`${base}/api/v2/summary.json`);
const bare = await run(`http://127.0.0.1:${server.barePort}/bare`);
const summary = await run(`${base}/api/v2/summary.json`);
await server.stop();

const line = (name: string, r: autocannon.Result) =>
  `${name.padEnd(26)} ${String(Math.round(r.requests.average)).padStart(7)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  non-2xx ${r.non2xx}  errors ${r.errors + r.timeouts}`;
console.log(`\nbench/status — ${connections} connections, ${seconds} s each, node ${process.version}`);
console.log(line('bare Hono GET /bare', bare));
console.log(line('GET /api/v2/summary.json', summary));
console.log(`summary.json / bare = ${(summary.requests.average / bare.requests.average).toFixed(2)}× (target ≥ 0.8×), p99 ${summary.latency.p99} ms (target < 10 ms)`);
