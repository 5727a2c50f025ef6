import type { Config } from '../../config.js';
import type { AnyTool } from '../mcp/server.js';
import { createAnalyzeDocumentsTool } from './analyze-documents.js';
import { createProcessItemsTool } from './process-items.js';

/** The tools production registers: exactly these two. Test fixtures live under test/ only. */
export function productionTools(config: Pick<Config, 'dataDir' | 'maxFileBytes' | 'maxFiles'>): AnyTool[] {
  return [
    createProcessItemsTool(),
    createAnalyzeDocumentsTool({
      dataDir: config.dataDir,
      maxFileBytes: config.maxFileBytes,
      maxFiles: config.maxFiles,
    }),
  ] as AnyTool[];
}
