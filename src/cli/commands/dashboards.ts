/** `sgc dashboards export|push`: the Grafana dashboards and their provisioning files. */
import { relative } from 'node:path';
import { InputError } from '../../errors.js';
import { exportDashboards } from '../../telemetry/dashboards/index.js';
import { pushDashboards } from '../../telemetry/dashboards/push.js';
import { defineCommand } from '../command.js';
import { seeHelp } from '../commandLine.js';

const exportUsage = `Usage: sgc dashboards export [dir]

Writes the Grafana dashboards (JSON) and their provisioning files into dir (default dashboards/):
  provisioning/datasources/sgc.yaml   Prometheus (uid sgc-prometheus) and PostgreSQL (uid sgc-postgres)
  provisioning/dashboards/sgc.yaml    a file provider reading $SGC_DASHBOARDS_DIR
  provisioning/postgres-reader.sql    the read-only role sgc_reader the PostgreSQL source logs in as
Start Grafana with dir/provisioning as its provisioning path and SGC_DASHBOARDS_DIR=dir.`;

const pushUsage = `Usage: sgc dashboards push --grafana-url URL --token TOKEN [--folder-uid UID]

Installs the dashboards in a running Grafana through its HTTP API (POST /api/dashboards/db),
replacing earlier versions with the same uid. TOKEN is a Grafana service account token with the
Editor role; the data sources (uids sgc-prometheus and sgc-postgres) must exist there.

Options:
  --grafana-url <url>   e.g. http://127.0.0.1:3000
  --token <token>       sent as Authorization: Bearer <token> (or set GRAFANA_TOKEN)
  --folder-uid <uid>    the Grafana folder to put them in (default: General)`;

export const dashboardsExportCommand = defineCommand({
  usage: exportUsage,
  options: {},
  examples: ['sgc dashboards export', 'sgc dashboards export /etc/grafana/sgc'],
  run({ positionals }) {
    if (positionals.length > 1)
      throw new InputError(`unexpected argument "${positionals[1]}" (${seeHelp(exportUsage)})`);
    const dir = positionals[0] ?? 'dashboards';
    for (const path of exportDashboards(dir)) console.log(`wrote ${relative(process.cwd(), path) || path}`);
    return 0;
  },
});

export const dashboardsPushCommand = defineCommand({
  usage: pushUsage,
  options: {
    'grafana-url': { type: 'string' },
    token: { type: 'string' },
    'folder-uid': { type: 'string' },
  },
  examples: ['sgc dashboards push --grafana-url http://127.0.0.1:3000 --token "$GRAFANA_TOKEN"'],
  async run({ values, positionals }) {
    if (positionals.length)
      throw new InputError(`unexpected argument "${positionals[0]}" (${seeHelp(pushUsage)})`);
    const grafanaUrl = values['grafana-url'];
    const token = values.token ?? process.env['GRAFANA_TOKEN'];
    if (!grafanaUrl) throw new InputError(`--grafana-url is required (${seeHelp(pushUsage)})`);
    if (!token) throw new InputError(`--token is required (or set GRAFANA_TOKEN) (${seeHelp(pushUsage)})`);
    const results = await pushDashboards({ grafanaUrl, token, folderUid: values['folder-uid'] });
    for (const r of results)
      console.log(`pushed "${r.title}" (uid ${r.uid}${r.version ? `, version ${r.version}` : ''})`);
    return 0;
  },
});
