/** SGC_STEPS_PER_CALL, the worker's setting for training steps per engine call (activities/train.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepsPerCallSetting } from '../../activities/train.js';
import { InputError } from '../../src/errors.js';

test('SGC_STEPS_PER_CALL: absent, the trainer chooses; a positive integer fixes it; else one InputError', () => {
  assert.deepEqual(stepsPerCallSetting({}), {});
  assert.deepEqual(stepsPerCallSetting({ SGC_STEPS_PER_CALL: ' ' }), {});
  assert.deepEqual(stepsPerCallSetting({ SGC_STEPS_PER_CALL: '16' }), { stepsPerCall: 16 });
  for (const bad of ['0', '-3', '2.5', 'many'])
    assert.throws(
      () => stepsPerCallSetting({ SGC_STEPS_PER_CALL: bad }),
      (e) =>
        e instanceof InputError && e.message === `SGC_STEPS_PER_CALL: "${bad}" is not a positive integer`,
    );
});
