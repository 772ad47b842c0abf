/**
 * The deployment files under deploy/ checked as far as this machine can (no container runtime with
 * compose, no image registry here): the compose file loaded as `docker compose config` loads it
 * (compose-go, the library Docker Compose is built on: the Compose Specification's schema,
 * interpolation and its consistency checks; scripts/compose-config), Prometheus's config and rules
 * by promtool, the systemd unit by systemd-analyze, and the compose file's references: services it depends on exist, the files it
 * mounts are in the repository, every service's sgc environment names what sgc reads, the scrape
 * config's port is the workers' metrics port, and the Dockerfile's stages are the ones compose
 * builds.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { packageRoot } from '../../../src/codeLocation.js';

const root = `${packageRoot}/`;
const deploy = join(root, 'deploy');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  depends_on?: string[] | Record<string, unknown>;
  environment?: Record<string, string>;
  volumes?: string[];
  command?: string[];
  profiles?: string[];
}

const compose = parse(readFileSync(join(deploy, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};

/** scripts/compose-config, built with Go (.ci/run builds it first; with Go's cache, a second build is a no-op). */
const composeConfig = join(root, 'scripts', 'compose-config', 'bin', 'compose-config');

describe('deploy/', () => {
  before(() => {
    execFileSync('go', ['build', '-o', composeConfig, '.'], {
      cwd: join(root, 'scripts', 'compose-config'),
      stdio: 'pipe',
    });
  });

  test('compose-go loads compose.yaml as `docker compose config` does, with every profile', () => {
    const out = execFileSync(composeConfig, [join(deploy, 'compose.yaml'), join(deploy, 'lab.env.example')], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    const project = parse(out) as {
      services: Record<string, { environment?: Record<string, string>; deploy?: unknown }>;
    };
    assert.deepEqual(Object.keys(project.services).sort(), Object.keys(compose.services).sort());
    // Interpolated from lab.env.example, as `--env-file deploy/lab.env` does.
    assert.equal(
      project.services['worker']!.environment!['DATABASE_URL'],
      'postgresql://sgc:change-me@results-db:5432/sgc',
    );
    assert.match(JSON.stringify(project.services['gpu-worker']!.deploy), /"driver":"nvidia"/);
  });

  test('compose-go refuses what docker compose would: a password left unset, an unknown key', () => {
    const refusal = (file: string, ...envFiles: string[]) => {
      try {
        execFileSync(composeConfig, [file, ...envFiles], { encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        return String((error as { stderr: string }).stderr);
      }
      assert.fail(`${file} was accepted`);
    };
    assert.match(refusal(join(deploy, 'compose.yaml')), /required variable SGC_DB_PASSWORD is missing/);
    const dir = mkdtempSync(join(tmpdir(), 'sgc-compose-'));
    try {
      const misspelt = join(dir, 'compose.yaml');
      writeFileSync(
        misspelt,
        readFileSync(join(deploy, 'compose.yaml'), 'utf8').replace(
          /^( {4})image: postgres/m,
          '$1imgae: postgres',
        ),
      );
      assert.match(refusal(misspelt, join(deploy, 'lab.env.example')), /imgae/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('promtool: the Prometheus config and its alerting rules are valid', () => {
    const out = execFileSync('promtool', ['check', 'config', join(deploy, 'prometheus', 'prometheus.yml')], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    assert.match(out, /SUCCESS: 4 rules found/);
  });

  test('systemd-analyze verifies the worker unit', () => {
    // Throws (non-zero exit) on a unit systemd would refuse; prints nothing when it is fine.
    const out = execFileSync('systemd-analyze', ['verify', join(deploy, 'systemd', 'sgc-worker.service')], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    assert.equal(out.trim(), '');
    const unit = readFileSync(join(deploy, 'systemd', 'sgc-worker.service'), 'utf8');
    assert.match(unit, /^KillSignal=SIGINT$/m, 'a stopped worker checkpoints first, as on Ctrl-C');
    assert.match(unit, /^RestartPreventExitStatus=2$/m, 'a failed self-check is not restarted for ever');
  });

  test('compose: every dependency is a service, every mounted file exists', () => {
    const names = Object.keys(compose.services);
    for (const [name, service] of Object.entries(compose.services)) {
      const deps = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const dep of deps)
        assert.ok(names.includes(dep), `${name} depends on ${dep}, which is no service`);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.'))
          assert.ok(existsSync(resolve(deploy, source)), `${name} mounts ${source}`);
        else assert.ok(source in compose.volumes, `${name} uses volume ${source}, which is not declared`);
      }
      if (service.build) {
        assert.ok(existsSync(resolve(deploy, service.build.context, service.build.dockerfile)));
        const dockerfile = readFileSync(
          resolve(deploy, service.build.context, service.build.dockerfile),
          'utf8',
        );
        assert.match(
          dockerfile,
          new RegExp(`^FROM .* AS ${service.build.target}$`, 'm'),
          `${name}: stage ${service.build.target}`,
        );
      }
    }
  });

  test('compose: workers get what sgc reads, and Prometheus scrapes their metrics port', () => {
    for (const name of ['migrate', 'worker', 'gpu-worker']) {
      const env = compose.services[name]!.environment ?? {};
      assert.deepEqual(
        Object.keys(env).sort(),
        ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE'],
        name,
      );
      assert.match(
        env['DATABASE_URL']!,
        /^postgresql:\/\/sgc:\$\{SGC_DB_PASSWORD[^}]*\}@results-db:5432\/sgc$/,
      );
    }
    const prometheus = parse(readFileSync(join(deploy, 'prometheus', 'prometheus.yml'), 'utf8'));
    const sd = prometheus.scrape_configs[0].dns_sd_configs[0];
    assert.equal(sd.port, 9464, "the workers' default --metrics-port");
    assert.deepEqual(sd.names, ['worker', 'gpu-worker']);
    assert.ok(sd.names.every((n: string) => n in compose.services));
    // Grafana reads the variables the generated data source names (dashboards/provisioning).
    const datasources = readFileSync(join(root, 'dashboards/provisioning/datasources/sgc.yaml'), 'utf8');
    const wanted = [...new Set(datasources.match(/\$SGC_[A-Z_]+/g)!.map((v) => v.slice(1)))];
    const grafana = compose.services['grafana']!.environment ?? {};
    for (const v of wanted) assert.ok(v in grafana, `grafana's environment sets ${v}`);
    assert.match(
      readFileSync(join(deploy, 'Dockerfile'), 'utf8'),
      /^USER sgc$/m,
      'the image runs as a non-root user',
    );
  });
});
