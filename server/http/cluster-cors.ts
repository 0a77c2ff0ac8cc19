import type { RequestHandler } from 'express';

/**
 * Cross-origin API calls from pages served by another node of the cluster: after a failover, a page
 * loaded from a dead node calls the node it reconnected to. Only the cluster's own node URLs are let in;
 * the calls still carry their bearer token (no cookies), so nothing else is widened.
 */
export function clusterCors(allowedOrigins: () => string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined || !allowedOrigins().includes(origin)) return next();
    res.vary('Origin');
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
    res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}
