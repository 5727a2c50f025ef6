import { isJSONRPCResponse, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/server';
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';

/** The frozen HTTP+SSE transport, with each outgoing response noted so the session knows a call ended. */
export class TrackedSseTransport extends SSEServerTransport {
  onresponse?: (id: RequestId) => void;

  override async send(message: JSONRPCMessage, options?: Parameters<SSEServerTransport['send']>[1]) {
    if (isJSONRPCResponse(message) && message.id !== undefined) this.onresponse?.(message.id);
    return super.send(message, options);
  }
}
