import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, loginPage } from '../../../src/auth-server/interactions.js';
import { isResourceIndicator } from '../../../src/auth-server/provider.js';

describe('login page', () => {
  it('escapes what a client registered (its name) and what it asked for', () => {
    const html = loginPage({
      uid: 'u1',
      clientName: '<script>alert(1)</script>',
      scopes: ['mcp:tools'],
      resources: ['https://mcp.example.com/mcp?a="b"'],
    });
    assert.ok(!html.includes('<script>alert'));
    assert.ok(html.includes('&#60;script&#62;'));
    assert.ok(html.includes('action="/interaction/u1/login"'));
    assert.equal(escapeHtml(`&<>"'`), '&#38;&#60;&#62;&#34;&#39;');
  });
});

describe('resource indicators', () => {
  it('accepts absolute http(s) URLs without a fragment (RFC 8707 §2)', () => {
    assert.equal(isResourceIndicator('https://mcp.example.com/mcp'), true);
    assert.equal(isResourceIndicator('http://127.0.0.1:3000/mcp'), true);
    assert.equal(isResourceIndicator('https://mcp.example.com/mcp#x'), false);
    assert.equal(isResourceIndicator('urn:beacon'), false);
    assert.equal(isResourceIndicator('/mcp'), false);
  });
});
