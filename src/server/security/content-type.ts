/**
 * RFC 9110 §8.3.1 media type grammar, as the `content-type` package reads it:
 * `type "/" subtype *( OWS ";" OWS parameter )`, each parameter `token "=" ( token / quoted-string )`.
 */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED =
  '"(?:[\\u000b\\u0020\\u0021\\u0023-\\u005b\\u005d-\\u007e\\u0080-\\u00ff]|\\\\[\\u000b\\u0020-\\u00ff])*"';
const JSON_MEDIA_TYPE = new RegExp(
  `^\\s*application/json\\s*(?:; *${TOKEN} *= *(?:${TOKEN}|${QUOTED}) *)*$`,
  'i',
);

/**
 * Whether a Content-Type is `application/json` with well-formed parameters, if any.
 *
 * The SDK's HTTP+SSE transport parses the header again, strictly, before it reads a message, and
 * answers a malformed one (`application/json; boundary="`, a trailing `;`) with a plain-text 400
 * that names the thrown `TypeError`. Checking the same grammar first lets Beacon refuse such a
 * header with its own JSON-RPC 415 instead.
 */
export function isWellFormedJsonContentType(header: string | undefined): boolean {
  return header !== undefined && JSON_MEDIA_TYPE.test(header);
}
