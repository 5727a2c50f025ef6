import { type CheckResult, type DoctorContext, fail, ok, skip } from './check.js';
import { describeFailure, openConnection } from './session.js';

const NAME = 'credentials';

/** Do the given credentials get in, and may they see the tools? */
export async function checkCredentials(ctx: DoctorContext): Promise<CheckResult> {
  if (ctx.auth.kind === 'none') {
    return skip(NAME, 'none given (--api-key, --token or --oauth-client-credentials)');
  }
  try {
    const connection = await openConnection(ctx, 'auto');
    try {
      const { tools } = await connection.client.listTools();
      return ok(
        NAME,
        `${ctx.auth.kind} accepted (era ${connection.protocolVersion}); tools: ${tools.map((t) => t.name).join(', ') || 'none'}`,
      );
    } finally {
      await connection.close();
    }
  } catch (error) {
    const failure = describeFailure(error, ctx);
    return fail(
      NAME,
      failure.message,
      failure.auth ? 'check the key or client secret, and that it has the mcp:tools scope' : undefined,
    );
  }
}
