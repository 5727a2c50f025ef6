import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { withCachedJsonSchema } from '../../../../src/server/mcp/cached-json-schema.js';

describe('withCachedJsonSchema', () => {
  it('converts once per target and serves the same frozen JSON Schema after that', () => {
    const schema = withCachedJsonSchema(z.object({ items: z.array(z.string()).min(1) }));
    const convert = () => schema['~standard'].jsonSchema.input({ target: 'draft-2020-12' });
    const first = convert();
    assert.equal(convert(), first);
    assert.ok(Object.isFrozen(first));
    assert.deepEqual((first as { required?: string[] }).required, ['items']);
    assert.throws(() => {
      (first as Record<string, unknown>).type = 'array';
    }, TypeError);
  });

  it('keeps the input and output conversions apart', () => {
    const schema = withCachedJsonSchema(z.object({ n: z.number().default(1) }));
    const input = schema['~standard'].jsonSchema.input({ target: 'draft-2020-12' }) as {
      required?: string[];
    };
    const output = schema['~standard'].jsonSchema.output({ target: 'draft-2020-12' }) as {
      required?: string[];
    };
    assert.equal(input.required, undefined, 'a defaulted field is optional on input');
    assert.deepEqual(output.required, ['n'], 'and always present on output');
  });

  it('leaves validation to the schema library', async () => {
    const schema = withCachedJsonSchema(z.object({ n: z.number() }));
    const ok = await schema['~standard'].validate({ n: 2 });
    const bad = await schema['~standard'].validate({ n: 'two' });
    assert.deepEqual('value' in ok ? ok.value : undefined, { n: 2 });
    assert.ok(bad.issues && bad.issues.length > 0);
  });
});
