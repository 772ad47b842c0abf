/**
 * The dashboards against Grafana's model: built with @grafana/schema's types (so the compiler
 * checks their shape), then checked here at run time for what the types cannot say: data source
 * uids that the provisioning defines, queries on every panel, variables that exist, a grid that
 * fits, and the fields the panels' options name. Also: the committed files are exactly what
 * `sgc dashboards export` writes, and `sgc dashboards push` talks to Grafana's HTTP API as it should.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Dashboard, defaultDashboard, type Panel } from '@grafana/schema';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { packageRoot } from '../../../src/codeLocation.js';
import { InputError } from '../../../src/errors.js';
import { grafanaEnvironment } from '../../../src/store/embedded/announce.js';
import type { AttachedStore } from '../../../src/store/embedded/attach.js';
import { queryNeeds } from '../../../src/telemetry/dashboards/build.js';
import {
  dashboardQueries,
  dashboards,
  exportDashboards,
  exportFiles,
  formatJson,
  POSTGRES,
  PROMETHEUS,
} from '../../../src/telemetry/dashboards/index.js';
import { pushDashboards } from '../../../src/telemetry/dashboards/push.js';
import { runSgc } from '../../helpers/sgc.js';

const repoDashboards = pathToFileURL(join(packageRoot, 'dashboards/'));

const datasourceRef = z.object({ type: z.string(), uid: z.enum([PROMETHEUS.uid!, POSTGRES.uid!]) });
const promTarget = z.object({
  refId: z.string().regex(/^[A-Z]$/),
  datasource: datasourceRef,
  expr: z.string().min(1),
  legendFormat: z.string().optional(),
  editorMode: z.literal('code'),
});
const sqlTarget = z.object({
  refId: z.string().regex(/^[A-Z]$/),
  datasource: datasourceRef,
  rawSql: z.string().min(1),
  rawQuery: z.literal(true),
  editorMode: z.literal('code'),
  format: z.enum(['table', 'time_series']),
});
const fieldConfig = z.object({
  defaults: z.object({ unit: z.string().optional(), custom: z.record(z.string(), z.unknown()).optional() }),
  overrides: z.array(
    z.object({
      matcher: z.object({ id: z.string(), options: z.unknown() }),
      properties: z.array(z.object({ id: z.string(), value: z.unknown() })),
    }),
  ),
});
/** Grafana's dashboard model (the parts these dashboards use), as a run-time schema. */
const panelSchema = z.object({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'trend', 'table', 'stat']),
  title: z.string().min(1),
  description: z.string().optional(),
  datasource: datasourceRef,
  gridPos: z.object({
    x: z.number().int().min(0),
    y: z.number().int().min(0),
    w: z.number().int().min(1).max(24),
    h: z.number().int().min(1),
  }),
  targets: z.array(z.union([promTarget, sqlTarget])).min(1),
  fieldConfig,
  options: z.record(z.string(), z.unknown()),
  transformations: z
    .array(
      z.object({
        id: z.enum(['partitionByValues', 'organize', 'convertFieldType', 'sortBy']),
        options: z.record(z.string(), z.unknown()),
        filter: z.object({ id: z.literal('byRefId'), options: z.string() }).optional(),
      }),
    )
    .optional(),
});
const variableSchema = z.object({
  name: z.string().regex(/^[a-z]\w*$/),
  label: z.string(),
  type: z.literal('query'),
  datasource: datasourceRef,
  query: z.union([z.string(), z.object({ query: z.string(), refId: z.string(), qryType: z.number() })]),
  refresh: z.number(),
  multi: z.boolean(),
  includeAll: z.boolean(),
});
const dashboardSchema = z.object({
  uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(36).max(defaultDashboard.schemaVersion!),
  time: z.object({ from: z.string(), to: z.string() }),
  templating: z.object({ list: z.array(variableSchema) }),
  panels: z.array(panelSchema).min(3),
  tags: z.array(z.string()),
});

function committed(file: string): string {
  return readFileSync(new URL(file, repoDashboards), 'utf8');
}

/** Variables a query refers to ($name, ${name}, [[name]]), without Grafana's own ($__…). */
function variablesUsed(text: string): string[] {
  return [...text.matchAll(/\$\{?(\w+)|\[\[(\w+)/g)]
    .map((m) => m[1] ?? m[2])
    .filter((n) => !n.startsWith('__'));
}

describe('dashboards', () => {
  it('are four, with the titles the issue names and distinct uids', () => {
    assert.deepEqual(
      dashboards.map((d) => d.dashboard.title),
      ['Minimal width vs k', 'Sweep progress', 'Workers & throughput', 'Learning dynamics'],
    );
    assert.equal(new Set(dashboards.map((d) => d.dashboard.uid)).size, 4);
  });

  for (const { file } of dashboards) {
    describe(file, () => {
      // Read back from the committed file: what Grafana will load.
      const d = JSON.parse(committed(file)) as Dashboard;

      it("fits Grafana's dashboard model", () => {
        const result = dashboardSchema.safeParse(d);
        assert.ok(result.success, result.success ? '' : z.prettifyError(result.error));
      });

      it('lays its panels out on the 24-column grid without overlaps', () => {
        const cells = new Set<string>();
        for (const p of d.panels as Panel[]) {
          const g = p.gridPos!;
          assert.ok(g.x + g.w <= 24, `${p.title} overflows the grid`);
          for (let x = g.x; x < g.x + g.w; x++)
            for (let y = g.y; y < g.y + g.h; y++) {
              assert.ok(!cells.has(`${x},${y}`), `${p.title} overlaps another panel`);
              cells.add(`${x},${y}`);
            }
        }
      });

      it('queries only variables it defines, and each target the data source of its panel', () => {
        const names = (d.templating?.list ?? []).map((v) => v.name);
        assert.equal(new Set(names).size, names.length, 'variable names are unique');
        for (const v of d.templating?.list ?? []) {
          const q = typeof v.query === 'string' ? v.query : String(v.query?.['query']);
          for (const used of variablesUsed(q))
            assert.ok(
              names.indexOf(used) < names.indexOf(v.name),
              `variable ${v.name} uses ${used} defined later`,
            );
        }
        for (const p of d.panels as Panel[]) {
          for (const t of p.targets ?? []) {
            assert.deepEqual(t['datasource'], p.datasource, `${p.title}: target and panel data source`);
            const text = String(t['expr'] ?? t['rawSql']);
            for (const used of variablesUsed(text))
              assert.ok(names.includes(used), `${p.title}: $${used} is not defined`);
          }
          const refIds = (p.targets ?? []).map((t) => t['refId']);
          assert.equal(new Set(refIds).size, refIds.length, `${p.title}: refIds are unique`);
        }
      });

      it('names only fields its queries return (x axis, partitions, transformation filters)', () => {
        const built = dashboards.find((x) => x.file === file)!.dashboard;
        for (const [i, p] of (built.panels as Panel[]).entries()) {
          const columns = new Set<string>();
          let prometheus = false;
          for (const t of p.targets ?? []) {
            for (const c of queryNeeds(t)?.columns ?? []) columns.add(c);
            if (t['expr']) prometheus = true;
          }
          // A PromQL table has the labels kept by its `by (…)` clause as columns.
          for (const t of p.targets ?? [])
            for (const m of String(t['expr'] ?? '').matchAll(/by \(([^)]*)\)/g))
              for (const label of m[1].split(',')) columns.add(label.trim());
          const named: string[] = [];
          const xField = (p.options as { xField?: string }).xField;
          if (p.type === 'trend') {
            assert.ok(xField, `${p.title}: a trend panel names its x field`);
            named.push(xField);
          }
          for (const tr of p.transformations ?? []) {
            if (tr.id === 'partitionByValues') named.push(...(tr.options as { fields: string[] }).fields);
            if (tr.filter) assert.ok((p.targets ?? []).some((t) => t['refId'] === tr.filter!.options));
          }
          for (const n of named) assert.ok(columns.has(n), `${p.title}: field "${n}" is not returned`);
          if (!prometheus)
            assert.ok(
              (p.targets ?? []).every((t) => queryNeeds(t)?.columns?.length),
              `${p.title}: SQL says its columns`,
            );
          assert.equal((d.panels as Panel[])[i].title, p.title);
        }
      });
    });
  }

  it('has the log-scale y axis on the minimal-width panels', () => {
    const d = dashboards[0].dashboard;
    const trends = (d.panels as Panel[]).filter((p) => p.type === 'trend');
    assert.equal(trends.length, 2);
    for (const p of trends)
      assert.deepEqual(p.fieldConfig?.defaults.custom?.['scaleDistribution'], { type: 'log', log: 2 });
    assert.ok(trends.some((p) => p.targets?.some((t) => String(t['expr']).includes('sgc_min_width'))));
    assert.ok(
      trends.some((p) =>
        p.targets?.some((t) =>
          /min_width_by_k[\s\S]*theory|theory[\s\S]*min_width_by_k/.test(String(t['rawSql'])),
        ),
      ),
    );
  });

  it('provisions the data sources the dashboards use, and a file provider', () => {
    const ds = parseYaml(committed('provisioning/datasources/sgc.yaml')) as {
      datasources: { uid: string; type: string; user?: string; url: string }[];
    };
    const byUid = new Map(ds.datasources.map((d) => [d.uid, d]));
    for (const q of dashboardQueries()) {
      const ref = q.target.datasource;
      assert.equal(
        byUid.get(ref.uid!)?.type,
        ref.type,
        `${q.panel}: ${ref.uid} is provisioned with its type`,
      );
    }
    assert.equal(byUid.get('sgc-prometheus')?.url, 'http://127.0.0.1:9090');
    assert.equal(byUid.get('sgc-postgres')?.user, 'sgc_reader');
    // Every variable the PostgreSQL source reads is one that `sgc up` / `sgc db serve` print.
    const printed = grafanaEnvironment({
      port: 5555,
      credentials: { database: 'sgc', reader: { user: 'sgc_reader', password: 'pw' } },
    } as AttachedStore);
    const names = new Set(printed.split(' ').map((pair) => pair.split('=')[0]));
    const read = [...JSON.stringify(byUid.get('sgc-postgres')).matchAll(/\$([A-Z_]+)/g)].map((m) => m[1]);
    assert.deepEqual(read.sort(), ['SGC_PG_DATABASE', 'SGC_PG_HOST', 'SGC_PG_PORT', 'SGC_READER_PASSWORD']);
    for (const name of read) assert.ok(names.has(name), `${name} is printed for Grafana`);
    const providers = parseYaml(committed('provisioning/dashboards/sgc.yaml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    assert.equal(providers.providers[0].type, 'file');
    assert.equal(providers.providers[0].options.path, '$SGC_DASHBOARDS_DIR');
    const jsons = readdirSync(repoDashboards).filter((f) => f.endsWith('.json'));
    assert.deepEqual(jsons.sort(), dashboards.map((d) => d.file).sort(), 'the provider finds exactly these');
  });

  it('are committed exactly as `sgc dashboards export` writes them', async () => {
    for (const [file, text] of exportFiles())
      assert.equal(committed(file), text, `${file} drifted: run sgc dashboards export`);
    const dir = mkdtempSync(join(tmpdir(), 'sgc-dash-'));
    try {
      const r = await runSgc(['dashboards', 'export', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim().split('\n').length, exportFiles().size);
      for (const [file, text] of exportFiles()) assert.equal(readFileSync(join(dir, file), 'utf8'), text);
      assert.equal(exportDashboards(dir).length, exportFiles().size, 'a second export rewrites nothing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('formats JSON as Biome does: short plain arrays inline, objects one member a line', () => {
    assert.equal(
      formatJson({ a: [1, 'x'], b: {}, c: [], d: [{ e: null }] }),
      '{\n  "a": [1, "x"],\n  "b": {},\n  "c": [],\n  "d": [\n    {\n      "e": null\n    }\n  ]\n}\n',
    );
    const long = Array.from({ length: 30 }, (_, i) => i * 1000);
    assert.equal(formatJson({ long }).split('\n').length, 30 + 5, 'too long for one line: one number a line');
  });
});

describe('sgc dashboards push', () => {
  const requests: {
    method?: string;
    url?: string;
    auth?: string;
    type?: string;
    body: Record<string, unknown>;
  }[] = [];
  let reply: (req: IncomingMessage) => { status: number; body: string } = () => ({ status: 200, body: '{}' });
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      requests.push({
        method: req.method,
        url: req.url,
        auth: req.headers.authorization,
        type: req.headers['content-type'],
        body: JSON.parse(text || '{}'),
      });
      const r = reply(req);
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(r.body);
    });
  });
  let base = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs every dashboard to /api/dashboards/db with the bearer token, overwriting', async () => {
    requests.length = 0;
    let version = 0;
    reply = () => ({
      status: 200,
      body: JSON.stringify({ status: 'success', uid: 'x', version: ++version }),
    });
    const r = await runSgc([
      'dashboards',
      'push',
      '--grafana-url',
      `${base}/grafana/`,
      '--token',
      'T0k',
      '--folder-uid',
      'f1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(requests.length, 4);
    for (const [i, q] of requests.entries()) {
      assert.equal(q.method, 'POST');
      assert.equal(q.url, '/grafana/api/dashboards/db', 'a sub-path in the URL is kept');
      assert.equal(q.auth, 'Bearer T0k');
      assert.match(q.type ?? '', /^application\/json/);
      assert.equal(q.body['overwrite'], true);
      assert.equal(q.body['folderUid'], 'f1');
      const d = q.body['dashboard'] as Dashboard;
      assert.equal(d.uid, dashboards[i].dashboard.uid);
      const { id, ...rest } = d;
      assert.equal(id, null, 'no numeric id: Grafana matches on uid');
      assert.deepEqual(rest, JSON.parse(JSON.stringify(dashboards[i].dashboard)));
    }
    assert.match(r.stdout, /pushed "Minimal width vs k"/);
  });

  it('leaves folderUid out when none is given', async () => {
    requests.length = 0;
    reply = () => ({ status: 200, body: '{}' });
    const results = await pushDashboards({ grafanaUrl: base, token: 'T' });
    assert.equal(results.length, 4);
    assert.equal(requests[0].url, '/api/dashboards/db');
    assert.equal('folderUid' in requests[0].body, false);
  });

  it('reports an HTTP error in one line with exit code 2', async () => {
    requests.length = 0;
    reply = () => ({ status: 401, body: JSON.stringify({ message: 'invalid API key' }) });
    const r = await runSgc(['dashboards', 'push', '--grafana-url', base, '--token', 'bad']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /HTTP 401.*invalid API key/);
    assert.match(r.stderr, /Minimal width vs k/);
    assert.equal(requests.length, 1, 'stops at the first refusal');
  });

  it('reports a bad URL, an unreachable server and a missing token as InputErrors', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    for (const [url, pattern] of [
      ['not a url', /is not a URL/],
      ['ftp://127.0.0.1/', /only http and https/],
      [
        `http://127.0.0.1:${port}`,
        new RegExp(`cannot reach Grafana at http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
      ],
    ] as const)
      await assert.rejects(
        pushDashboards({ grafanaUrl: url, token: 'T' }),
        (e: unknown) => e instanceof InputError && pattern.test(e.message) && !e.message.includes('\n'),
      );
    await assert.rejects(pushDashboards({ grafanaUrl: base, token: ' ' }), /--token is empty/);
  });
});
