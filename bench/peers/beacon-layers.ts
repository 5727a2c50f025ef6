/**
 * Beacon exactly as `beacon serve` runs it, with the `/mcp` layers named in BENCH_WITHOUT
 * (comma-separated, see src/server/mcp-layer-names.ts) left out, so that `bench:ab` can
 * measure what each layer costs a call. Production never leaves a layer out; this entry exists
 * only for that measurement. Run it from the repository root (the harness does), after
 * `npm run build`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { loadConfig } from '../../src/config.js';
import type { MCP_LAYER_NAMES, McpLayerName } from '../../src/server/mcp-layer-names.js';
import type { serve } from '../../src/server/serve.js';

const dist = (path: string) => pathToFileURL(resolve(process.cwd(), 'dist', path)).href;
const config = (await import(dist('config.js'))) as { loadConfig: typeof loadConfig };
const server = (await import(dist('server/serve.js'))) as { serve: typeof serve };
const app = (await import(dist('server/mcp-layer-names.js'))) as {
  MCP_LAYER_NAMES: typeof MCP_LAYER_NAMES;
};

const without = (process.env.BENCH_WITHOUT ?? '').split(',').filter(Boolean);
for (const name of without) {
  if (!(app.MCP_LAYER_NAMES as readonly string[]).includes(name)) {
    throw new Error(`BENCH_WITHOUT: unknown layer '${name}' (${app.MCP_LAYER_NAMES.join(', ')})`);
  }
}
const running = await server.serve(config.loadConfig(process.env), {
  withoutLayers: new Set(without as McpLayerName[]),
});
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
