import {
  type CallToolRequest,
  type CallToolRequestOptions,
  type CallToolResult,
  SdkError,
  SdkErrorCode,
} from '@modelcontextprotocol/client';
import type { Connection } from './connect.js';

const STREAM_LOST = new SdkError(
  SdkErrorCode.ConnectionClosed,
  'the response stream ended before the result arrived',
);

/**
 * `tools/call` that fails at once when the call's own response stream ends without a result (a
 * 2026-07-28 stream cut, or a 2025 stream whose resumption gave up); the SDK alone would wait for
 * the request timeout. After the result has arrived, the SDK ignores this abort. The watch is
 * bound to this call's request, so the stream of an earlier call (or of a `logging/setLevel` just
 * before) that ends late does not count.
 */
export async function callToolWatchingStream(
  connection: Pick<Connection, 'client' | 'transport'>,
  params: CallToolRequest['params'],
  options: CallToolRequestOptions = {},
): Promise<CallToolResult> {
  const { client, transport } = connection;
  const lost = new AbortController();
  const stopWatching = transport.watchNext('tools/call', () => lost.abort(STREAM_LOST));
  try {
    return await client.callTool(params, {
      ...options,
      signal: options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal,
    });
  } finally {
    stopWatching();
  }
}
