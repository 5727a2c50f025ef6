import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Users } from './directory.js';
import { isResourceIndicator, OIDC_SCOPES, RESOURCE_SCOPES } from './provider.js';

/** HTML-escapes text that may come from a client (a registered `client_name`) or a user. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface LoginPage {
  uid: string;
  clientName: string;
  scopes: string[];
  resources: string[];
  error?: string;
}

export function loginPage(page: LoginPage): string {
  const list = (items: string[]) => items.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Beacon development IdP</title>
<style>body{font:16px system-ui;max-width:28rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.6rem 0}input{width:100%;padding:.4rem}button{padding:.5rem 1rem;margin:.8rem .4rem 0 0}.error{color:#b00}</style></head>
<body><h1>Sign in</h1>
<p><strong>${escapeHtml(page.clientName)}</strong> asks for access${page.resources.length ? ' to' : ''}</p><ul>${list(page.resources)}</ul>
${page.scopes.length ? `<p>with the scopes</p><ul>${list(page.scopes)}</ul>` : ''}
${page.error ? `<p class="error">${escapeHtml(page.error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(page.uid)}/login">
<label>Username <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in and allow</button></form>
<form method="post" action="/interaction/${escapeHtml(page.uid)}/abort"><button type="submit">Deny</button></form>
<p><small>Development authorization server. Do not use in production.</small></p></body></html>`;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

/**
 * The login and consent step of the authorization code flow, on one page: the user signs in and
 * grants what the client asked for, limited to the scopes the user may grant. oidc-provider runs
 * everything else; these routes only turn a form post into an interaction result.
 */
export function interactionRoutes(provider: Provider, users: Users, logger: Logger): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const page = (res: Response, status: number, html: string) =>
    res
      .status(status)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        'X-Frame-Options': 'DENY',
      })
      .send(html);

  async function describe(req: Request, res: Response) {
    const details = await provider.interactionDetails(req, res);
    const clientId = String(details.params.client_id);
    const client = await provider.Client.find(clientId);
    return {
      details,
      clientName: client?.clientName ?? clientId,
      scopes: String(details.params.scope ?? '')
        .split(' ')
        .filter(Boolean),
      resources: asList(details.params.resource),
    };
  }

  router.get('/interaction/:uid', async (req, res, next) => {
    try {
      const { details, clientName, scopes, resources } = await describe(req, res);
      logger.debug(
        { prompt: details.prompt.name, reasons: details.prompt.reasons, missing: details.prompt.details },
        'interaction',
      );
      page(res, 200, loginPage({ uid: details.uid, clientName, scopes, resources }));
    } catch (error) {
      next(error);
    }
  });

  router.post('/interaction/:uid/login', form, async (req, res, next) => {
    try {
      const { details, clientName, scopes, resources } = await describe(req, res);
      const username = typeof req.body?.username === 'string' ? req.body.username : '';
      const password = typeof req.body?.password === 'string' ? req.body.password : '';
      const user = await users.authenticate(username, password);
      if (!user) {
        logger.info({ client: details.params.client_id }, 'sign-in refused');
        return page(
          res,
          401,
          loginPage({
            uid: details.uid,
            clientName,
            scopes,
            resources,
            error: 'Wrong username or password.',
          }),
        );
      }
      const grant = new provider.Grant({
        accountId: user.username,
        clientId: String(details.params.client_id),
      });
      // Every requested scope is either granted or explicitly refused, so consent is not asked again.
      // mcp:tools is both a resource scope and a registered scope (static clients list it), so both
      // kinds of grant record it.
      const isResourceScope = (scope: string) => (RESOURCE_SCOPES as readonly string[]).includes(scope);
      const mayGrant = (scope: string) =>
        !isResourceScope(scope) || user.scopes === undefined || user.scopes.includes(scope);
      const known = scopes.filter((s) => OIDC_SCOPES.includes(s) || isResourceScope(s));
      const granted = known.filter(mayGrant);
      const refused = known.filter((s) => !mayGrant(s));
      if (granted.length > 0) grant.addOIDCScope(granted);
      if (refused.length > 0) grant.rejectOIDCScope(refused);
      for (const resource of resources.filter(isResourceIndicator)) {
        const asked = scopes.filter(isResourceScope);
        if (asked.some(mayGrant)) grant.addResourceScope(resource, asked.filter(mayGrant));
        if (asked.some((s) => !mayGrant(s)))
          grant.rejectResourceScope(
            resource,
            asked.filter((s) => !mayGrant(s)),
          );
      }
      const grantId = await grant.save();
      logger.info({ account: user.username, client: details.params.client_id }, 'signed in and granted');
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.username }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      next(error);
    }
  });

  router.post('/interaction/:uid/abort', async (req, res, next) => {
    try {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user denied the request' },
        { mergeWithLastSubmission: false },
      );
    } catch (error) {
      next(error);
    }
  });

  // An expired or unknown interaction: a plain page, never a stack trace.
  router.use('/interaction', (error: Error, _req: Request, res: Response, _next: NextFunction) => {
    logger.info({ err: error.name }, 'interaction failed');
    page(
      res,
      400,
      '<!doctype html><title>Sign-in expired</title><p>This sign-in has expired. Start again from your app.</p>',
    );
  });
  return router;
}
