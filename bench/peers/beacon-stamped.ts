/**
 * Beacon exactly as `beacon serve` runs it (the same dist build, config, layers and notifier),
 * plus the bench-only `process_items_stamped` tool for the emit-to-receive latency scenario.
 * Production never registers that tool; this entry exists only so the stamp is taken inside a
 * real Beacon. Run it from the repository root (the harness does), after `npm run build`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { loadConfig } from '../../src/config.js';
import type { serve } from '../../src/server/serve.js';
import { stampedProcessItemsTool } from './tools.js';

const dist = (path: string) => pathToFileURL(resolve(process.cwd(), 'dist', path)).href;
const config = (await import(dist('config.js'))) as { loadConfig: typeof loadConfig };
const server = (await import(dist('server/serve.js'))) as { serve: typeof serve };

const running = await server.serve(config.loadConfig(process.env), {
  extraTools: [stampedProcessItemsTool()],
});
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
