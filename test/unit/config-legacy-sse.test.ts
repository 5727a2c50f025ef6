import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

function refusal(env: Record<string, string>): string {
  assert.throws(() => loadConfig(env), ConfigError);
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('LEGACY_SSE configuration', () => {
  it('is off by default, with the migration guide as the deprecation link', () => {
    const config = loadConfig({});
    assert.equal(config.legacySse, false);
    assert.equal(config.legacySseDocsUrl, 'README.md#migrating-from-sse');
  });

  it('reads true and false, and an absolute or relative guide URL', () => {
    assert.equal(loadConfig({ LEGACY_SSE: 'true' }).legacySse, true);
    assert.equal(loadConfig({ LEGACY_SSE: 'false' }).legacySse, false);
    const docs = 'https://docs.example.com/mcp#migrating';
    assert.equal(loadConfig({ LEGACY_SSE_DOCS_URL: docs }).legacySseDocsUrl, docs);
    assert.equal(loadConfig({ LEGACY_SSE_DOCS_URL: '/help/sse' }).legacySseDocsUrl, '/help/sse');
  });

  it('refuses anything else, naming the variable', () => {
    assert.match(refusal({ LEGACY_SSE: 'yes' }), /LEGACY_SSE must be true or false \(got "yes"\)/);
    assert.match(refusal({ LEGACY_SSE: '1' }), /LEGACY_SSE must be true or false/);
    // It is written into a Link header between < and >: nothing that could end or split it.
    assert.match(
      refusal({ LEGACY_SSE_DOCS_URL: 'https://x.example/a>; rel="x"' }),
      /LEGACY_SSE_DOCS_URL must be a URL/,
    );
    assert.match(refusal({ LEGACY_SSE_DOCS_URL: 'http://a b' }), /LEGACY_SSE_DOCS_URL must be a URL/);
  });
});
