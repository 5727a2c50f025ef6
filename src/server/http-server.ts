import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

/**
 * The Node HTTP server for the express app, with requests and responses born with express's
 * prototypes.
 *
 * express gives every request and response its own prototype with `Object.setPrototypeOf` as it
 * enters the app. That changes the object's shape after Node built it, so Node's own HTTP code
 * then sees objects of several shapes and takes its slow paths: on a simple tool call this was a
 * fifth of the throughput. Node lets a server choose the classes it instantiates, so here they are
 * created with those prototypes already, and express's `setPrototypeOf` finds nothing to change.
 * They remain real `IncomingMessage` and `ServerResponse` objects, built by Node's constructors.
 */
export function createHttpServer(app: Express): http.Server {
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
    },
    app,
  );
}
