// Apart from oauth.ts, so that what handles a refusal does not load jose: a server without OAuth never does.

export type TokenFailure =
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'audience'
  | 'issuer'
  | 'signature'
  | 'algorithm'
  | 'claims'
  | 'unavailable';

/** A refused token, with a reason for logs and metrics; the client only ever learns "invalid". */
export class TokenRejected extends Error {
  override name = 'TokenRejected';
  constructor(readonly reason: TokenFailure) {
    super(`token rejected: ${reason}`);
  }
}
