import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/errors.js';
import {
  DEFAULT_SWEEP_WINDOW_S,
  parseDurationSeconds,
  storeGaugeSettings,
} from '../../../src/telemetry/store-gauges.js';

describe('store gauge settings', () => {
  it('reads durations with or without a unit', () => {
    assert.equal(parseDurationSeconds('90', 'x'), 90);
    assert.equal(parseDurationSeconds('90s', 'x'), 90);
    assert.equal(parseDurationSeconds('15m', 'x'), 900);
    assert.equal(parseDurationSeconds('1.5h', 'x'), 5400);
    assert.equal(parseDurationSeconds('2d', 'x'), 172800);
    assert.equal(parseDurationSeconds('500ms', 'x'), 0.5);
    assert.equal(parseDurationSeconds('0', 'x'), 0);
  });

  it('defaults to an hour and 2 s; the flag wins over the environment', () => {
    assert.deepEqual(storeGaugeSettings({}), { sweepWindowSeconds: DEFAULT_SWEEP_WINDOW_S, timeoutMs: 2000 });
    const env = { SGC_METRICS_SWEEP_WINDOW: '10m', SGC_METRICS_STORE_TIMEOUT: '500ms' };
    assert.deepEqual(storeGaugeSettings(env), { sweepWindowSeconds: 600, timeoutMs: 500 });
    assert.equal(storeGaugeSettings(env, '30s').sweepWindowSeconds, 30);
  });

  it('refuses a bad value in one line naming where it came from', () => {
    const refused = (f: () => unknown, where: string) =>
      assert.throws(
        f,
        (e: unknown) => e instanceof InputError && e.message.includes(where) && !e.message.includes('\n'),
      );
    refused(() => storeGaugeSettings({}, 'soon'), '--metrics-sweep-window "soon"');
    refused(() => storeGaugeSettings({ SGC_METRICS_SWEEP_WINDOW: '-5m' }), 'SGC_METRICS_SWEEP_WINDOW');
    refused(() => storeGaugeSettings({ SGC_METRICS_STORE_TIMEOUT: '0' }), 'SGC_METRICS_STORE_TIMEOUT');
    refused(() => storeGaugeSettings({ SGC_METRICS_STORE_TIMEOUT: '1 hour' }), 'SGC_METRICS_STORE_TIMEOUT');
  });
});
