import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import type { Config } from '../config.js';

/**
 * The Node HTTP server for the express app (`listener` routes to it), with requests and responses
 * born with express's prototypes.
 *
 * express gives every request and response its own prototype with `Object.setPrototypeOf` as it
 * enters the app. That changes the object's shape after Node built it, so Node's own HTTP code
 * then sees objects of several shapes and takes its slow paths: on a simple tool call this was a
 * fifth of the throughput. Node lets a server choose the classes it instantiates, so here they are
 * created with those prototypes already, and express's `setPrototypeOf` finds nothing to change.
 * They remain real `IncomingMessage` and `ServerResponse` objects, built by Node's constructors.
 */
export function createHttpServer(
  app: Express,
  timeouts: Config['timeouts'],
  listener: http.RequestListener = app,
): http.Server {
  function BeaconRequest(this: IncomingMessage, socket: Socket): void {
    Reflect.apply(http.IncomingMessage, this, [socket]);
  }
  BeaconRequest.prototype = app.request;
  function BeaconResponse(this: ServerResponse, req: IncomingMessage, options: unknown): void {
    Reflect.apply(http.ServerResponse, this, [req, options]);
  }
  BeaconResponse.prototype = app.response;
  return http.createServer(
    {
      IncomingMessage: BeaconRequest as unknown as typeof IncomingMessage,
      ServerResponse: BeaconResponse as unknown as typeof ServerResponse,
      ...readTimeouts(timeouts),
    },
    listener,
  );
}

/**
 * Node's timeouts for reading a request, set so a slow or stalled client cannot hold a socket.
 * - `headersTimeout` and `requestTimeout` bound the time to receive the headers and the whole
 *   request; both stop counting once the request is in, so a long SSE response is never cut.
 * - Node checks them on a timer (30 s by default), which would let a slow client stay up to 30 s
 *   past the limit; checking at a quarter of the headers timeout keeps the drop close to it.
 * - `keepAliveTimeout` stays above the proxy's idle timeout for pooled connections (Caddy's is set
 *   to 60 s in the Caddyfile), so Beacon never closes a connection the proxy is about to reuse.
 */
export function readTimeouts(timeouts: Config['timeouts']) {
  return {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(timeouts.headersMs / 4))),
  };
}
