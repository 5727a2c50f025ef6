import type http from 'node:http';
import { type Endpoint, send, sendForText } from './http.js';
import { initialize, sessionMessage } from './wire.js';

/**
 * Opens a 2025-era session the way a real client does: `initialize`, `notifications/initialized`,
 * and (unless `quiet`) `logging/setLevel info`, so log messages are filtered as in the modern era.
 */
export async function openSession(
  endpoint: Endpoint,
  agent: http.Agent,
  options: { quiet?: boolean } = {},
): Promise<string> {
  const init = await sendForText(endpoint, agent, initialize());
  const id = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof id !== 'string') {
    throw new Error(`initialize answered ${init.status} without a session: ${init.text.slice(0, 200)}`);
  }
  const ack = await send(endpoint, agent, sessionMessage(id, { method: 'notifications/initialized' }));
  if (ack.status !== 202) throw new Error(`notifications/initialized answered ${ack.status}`);
  if (!options.quiet) {
    const level = await sendForText(
      endpoint,
      agent,
      sessionMessage(id, { id: 1, method: 'logging/setLevel', params: { level: 'info' } }),
    );
    if (level.status !== 200) throw new Error(`logging/setLevel answered ${level.status}`);
  }
  return id;
}

/** Ends a session (DELETE), so sessions from one round do not weigh on the next. */
export async function closeSession(endpoint: Endpoint, agent: http.Agent, id: string): Promise<void> {
  await send(endpoint, agent, { method: 'DELETE', ...sessionMessage(id, {}), body: '' }).catch(
    () => undefined,
  );
}
