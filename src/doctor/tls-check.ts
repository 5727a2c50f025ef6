import { connect, type PeerCertificate, rootCertificates } from 'node:tls';
import { type CheckResult, type DoctorContext, fail, ok, warn } from './check.js';

const NAME = 'TLS';

function handshake(url: URL, caPem: string | undefined) {
  return new Promise<{ authorized: boolean; error: string | undefined; cert: PeerCertificate }>(
    (done, reject) => {
      const socket = connect({
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port || 443),
        servername: /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname,
        ca: caPem === undefined ? undefined : [...rootCertificates, caPem],
        rejectUnauthorized: false,
        timeout: 5000,
      });
      socket.once('secureConnect', () => {
        const authorizationError = socket.authorizationError;
        done({
          authorized: socket.authorized,
          error: authorizationError === null ? undefined : String(authorizationError),
          cert: socket.getPeerCertificate(),
        });
        socket.end();
      });
      socket.once('timeout', () => socket.destroy(new Error('TLS handshake timed out')));
      socket.once('error', reject);
    },
  );
}

/** Is the certificate one the client will accept: trusted chain, right name, not about to expire? */
export async function checkTls(ctx: DoctorContext): Promise<CheckResult> {
  if (ctx.url.protocol === 'http:') {
    const local = ['localhost', '127.0.0.1', '[::1]'].includes(ctx.url.hostname);
    return local
      ? ok(NAME, 'plain HTTP on loopback (no TLS needed locally)')
      : fail(
          NAME,
          'plain HTTP to a remote host: credentials and tool data travel unencrypted',
          'serve it behind a TLS proxy (see docs/deployment.md) and use https://',
        );
  }
  let result: Awaited<ReturnType<typeof handshake>>;
  try {
    result = await handshake(ctx.url, ctx.caPem);
  } catch (error) {
    return fail(
      NAME,
      `no TLS handshake with ${ctx.url.host}: ${(error as Error).message}`,
      'check the host, the port and that the proxy is running',
    );
  }
  const issuer = result.cert.issuer?.CN ?? result.cert.issuer?.O ?? 'unknown issuer';
  if (!result.authorized) {
    return fail(
      NAME,
      `certificate not trusted (${result.error}; issued by ${issuer})`,
      "pass the proxy's root CA with --ca FILE (Caddy's local CA: /data/caddy/pki/authorities/local/root.crt in its data volume)",
    );
  }
  const notAfter = Date.parse(result.cert.valid_to);
  const left = notAfter - Date.now();
  const lifetime = notAfter - Date.parse(result.cert.valid_from);
  const hours = Math.floor(left / 3_600_000);
  const detail = `certificate for ${ctx.url.hostname} valid, issued by ${issuer}, expires in ${hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} days`}`;
  // Short-lived certificates (Caddy's local CA issues 12-hour ones) are renewed at about 2/3 of
  // their life; less than a fifth left means renewal is failing.
  return left < lifetime / 5
    ? warn(NAME, detail, "renewal should have happened by now: check the proxy's logs")
    : ok(NAME, detail);
}
