import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectType, typeFromName } from '../../../../src/server/tools/document-type.js';

const text = (s: string) => Buffer.from(s, 'utf8');

describe('typeFromName', () => {
  it('maps known extensions, ignoring case, and assumes text otherwise', () => {
    assert.equal(typeFromName('a/b/data.json'), 'json');
    assert.equal(typeFromName('README.MD'), 'markdown');
    assert.equal(typeFromName('notes.markdown'), 'markdown');
    assert.equal(typeFromName('table.csv'), 'csv');
    assert.equal(typeFromName('log.txt'), 'text');
    assert.equal(typeFromName('photo.PNG'), 'binary');
    assert.equal(typeFromName('Makefile'), 'text');
    assert.equal(typeFromName('.json'), 'text', 'a dot file has no extension');
  });
});

describe('detectType', () => {
  it('keeps the type the name gives when the first chunk is UTF-8 without NUL', () => {
    assert.equal(detectType('x.json', text('{"a": "ü"}')), 'json');
    assert.equal(detectType('x.md', text('# Title')), 'markdown');
    assert.equal(detectType('x.csv', text('a,b\n1,2\n')), 'csv');
    assert.equal(detectType('x', text('plain')), 'text');
  });

  it('calls a NUL byte binary whatever the extension', () => {
    assert.equal(detectType('x.txt', Uint8Array.of(0x61, 0x00, 0x62)), 'binary');
    assert.equal(detectType('utf16.json', Buffer.from('{}', 'utf16le')), 'binary');
  });

  it('calls bytes that are not UTF-8 binary', () => {
    assert.equal(detectType('latin1.txt', Buffer.from('café au lait', 'latin1')), 'binary');
    assert.equal(detectType('x.md', Uint8Array.of(0xff, 0xfe, 0x41)), 'binary');
  });

  it('does not blame a character cut off at the end of the chunk', () => {
    const euro = text('price: €');
    assert.equal(detectType('x.txt', euro.subarray(0, euro.length - 1)), 'text');
  });

  it('keeps a binary extension binary even when the bytes look like text', () => {
    assert.equal(detectType('archive.zip', text('PK not really')), 'binary');
  });
});
