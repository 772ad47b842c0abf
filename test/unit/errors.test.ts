import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GrpcCode, grpcStatus, InputError, lostServerMessage } from '../../src/errors.js';

test('a lost server (gRPC 14, on the error or its cause) is recognised; other errors are not', () => {
  const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
    code: 14,
    details: 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7233',
  });
  assert.equal(lostServerMessage(grpc), grpc.details);
  const wrapped = new Error('Failed to query workflow', { cause: grpc });
  assert.equal(lostServerMessage(wrapped), grpc.details);
  assert.equal(lostServerMessage(Object.assign(new Error('other'), { code: 13 })), undefined);
  assert.equal(lostServerMessage(new InputError('bad spec')), undefined);
  assert.equal(lostServerMessage('not an error'), undefined);
});

test('grpcStatus finds a query timeout under the client error that wraps it', () => {
  const timeout = Object.assign(new Error('4 DEADLINE_EXCEEDED'), {
    code: 4,
    details: 'query timed out before a worker could process it',
  });
  const wrapped = new Error('Failed to query Workflow', { cause: timeout });
  assert.deepEqual(grpcStatus(wrapped), { code: GrpcCode.deadlineExceeded, details: timeout.details });
  assert.equal(lostServerMessage(wrapped), undefined);
  assert.equal(grpcStatus(new Error('plain')), undefined);
});
