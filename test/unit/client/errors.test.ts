import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { UsageError } from '../../../src/client/args.js';
import { classifyError, type ErrorContext, EXIT } from '../../../src/client/errors.js';

const url = new URL('https://beacon.example/mcp');
const connecting: ErrorContext = { url, phase: 'connect', credentials: false };
const calling: ErrorContext = { url, phase: 'call', credentials: true };

/** What undici's fetch throws: a TypeError whose cause is the system error. */
function fetchFailed(code: string): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code}`), { code }) });
}

describe('classifyError', () => {
  it('usage errors exit 2 with their own message', () => {
    assert.deepEqual(classifyError(new UsageError('--era: bad'), connecting), {
      exitCode: EXIT.usage,
      message: '--era: bad',
    });
  });

  it('refused, unresolvable and unreachable hosts exit 3, however deep the cause', () => {
    const wrapped = new SdkError(
      SdkErrorCode.EraNegotiationFailed,
      'Version negotiation probe failed',
      undefined,
      {
        cause: fetchFailed('ECONNREFUSED'),
      },
    );
    for (const error of [
      fetchFailed('ECONNREFUSED'),
      fetchFailed('ENOTFOUND'),
      fetchFailed('EHOSTUNREACH'),
    ]) {
      assert.equal(classifyError(error, connecting).exitCode, EXIT.connection);
    }
    const refused = classifyError(
      Object.assign(new Error('probe failed'), { cause: fetchFailed('ECONNREFUSED') }),
      connecting,
    );
    assert.deepEqual(refused, {
      exitCode: EXIT.connection,
      message: 'cannot reach https://beacon.example: connection refused (ECONNREFUSED)',
    });
    assert.equal(classifyError(wrapped, connecting).exitCode, EXIT.connection);
  });

  it('an untrusted certificate exits 3 and points at --ca', () => {
    const failure = classifyError(fetchFailed('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), connecting);
    assert.equal(failure.exitCode, EXIT.connection);
    assert.match(failure.message, /--ca FILE/);
    assert.match(classifyError(fetchFailed('ERR_SSL_WRONG_VERSION_NUMBER'), connecting).message, /http:\/\//);
  });

  it('401 and 403 exit 4 and say what to do', () => {
    const missing = classifyError(new UnauthorizedError(), connecting);
    assert.equal(missing.exitCode, EXIT.auth);
    assert.match(missing.message, /HTTP 401.*pass --api-key or --token/);
    const refused = classifyError(
      new SdkHttpError(SdkErrorCode.ClientHttpAuthentication, 'no', { status: 401 }),
      calling,
    );
    assert.match(refused.message, /refused the --api-key or --token/);
    const forbidden = classifyError(
      new SdkHttpError(SdkErrorCode.ClientHttpForbidden, 'no', { status: 403 }),
      calling,
    );
    assert.equal(forbidden.exitCode, EXIT.auth);
    assert.match(forbidden.message, /HTTP 403/);
  });

  it('other HTTP failures exit 3 while connecting and 1 during the call', () => {
    const error = new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, 'Error POSTing', { status: 502 });
    assert.equal(classifyError(error, connecting).exitCode, EXIT.connection);
    assert.equal(classifyError(error, calling).exitCode, EXIT.failed);
    assert.equal(
      classifyError(error, calling).message,
      'server answered HTTP 502 for https://beacon.example/mcp',
    );
  });

  it('a stream that ended without a result exits 3', () => {
    const lost = new SdkError(
      SdkErrorCode.ConnectionClosed,
      'the response stream ended before the result arrived',
    );
    assert.deepEqual(classifyError(lost, calling), {
      exitCode: EXIT.connection,
      message:
        'lost the connection to https://beacon.example: the response stream ended before the result arrived',
    });
  });

  it('protocol errors exit 1 with their JSON-RPC code', () => {
    assert.deepEqual(classifyError(new ProtocolError(-32602, 'Tool nope not found'), calling), {
      exitCode: EXIT.failed,
      message: 'protocol error -32602: Tool nope not found',
    });
  });

  it('never lets a multi-line message (a stack, say) through', () => {
    const failure = classifyError(new Error('first line\n    at somewhere (file.js:1:1)'), calling);
    assert.equal(failure.message, 'first line');
  });
});
