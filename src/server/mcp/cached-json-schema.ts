import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';

type Converter = (options: { target: string }) => Record<string, unknown>;

/**
 * Gives a schema a memoised `~standard.jsonSchema`. The SDK converts each tool's input and output
 * schema to JSON Schema on every `tools/list` and `tools/call`, and a 2026-07-28 request builds a
 * fresh server each time, so the same conversion ran on every request (a third of a simple
 * call's CPU). Tool schemas never change after start-up, so converting once is enough. Validation
 * is untouched: `validate` is the schema library's own.
 */
export function withCachedJsonSchema<T extends StandardSchemaWithJSON>(schema: T): T {
  const standard = schema['~standard'];
  const memo = (convert: Converter): Converter => {
    const byTarget = new Map<string, Record<string, unknown>>();
    return (options) => {
      let converted = byTarget.get(options.target);
      if (!converted) {
        // Frozen deeply, so no caller can change what every later request is served.
        converted = deepFreeze(convert(options));
        byTarget.set(options.target, converted);
      }
      return converted;
    };
  };
  const jsonSchema = {
    input: memo(standard.jsonSchema.input as Converter),
    output: memo(standard.jsonSchema.output as Converter),
  };
  Object.defineProperty(schema, '~standard', {
    value: { ...standard, jsonSchema },
    enumerable: false,
    configurable: true,
  });
  return schema;
}

function deepFreeze<V>(value: V): V {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
