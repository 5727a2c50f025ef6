import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRawResponse } from './raw-response.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('parseRawResponse', () => {
  it('waits for the whole head', () => {
    assert.equal(parseRawResponse(bytes('HTTP/1.1 400 Bad Request\r\nConnection: cl')), undefined);
  });

  it('reads a body framed by Content-Length, complete or not yet', () => {
    const head = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 4\r\nX-A: 1\r\nX-A: 2\r\n\r\n';
    const partial = parseRawResponse(bytes(`${head}ab`));
    assert.equal(partial?.complete, false);
    const whole = parseRawResponse(bytes(`${head}abcdEXTRA`));
    assert.equal(whole?.status, 400);
    assert.equal(whole?.body.toString(), 'abcd');
    assert.deepEqual(whole?.headers['x-a'], ['1', '2']);
    assert.equal(whole?.complete, true);
  });

  it('reads a chunked body and knows when it has ended', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    assert.equal(parseRawResponse(bytes(`${head}3\r\nabc\r\n`))?.complete, false);
    const whole = parseRawResponse(bytes(`${head}3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n`));
    assert.equal(whole?.body.toString(), 'abcde');
    assert.equal(whole?.complete, true);
  });

  it('skips an interim 100 Continue, and runs an unframed body to the end of the connection', () => {
    const parsed = parseRawResponse(
      bytes('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\n\r\nrest'),
    );
    assert.equal(parsed?.status, 400);
    assert.equal(parsed?.body.toString(), 'rest');
    assert.equal(parsed?.complete, false);
  });
});
