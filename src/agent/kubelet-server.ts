/**
 * The kubelet endpoint of a remote minion (the kubelet's port 10250): HTTPS with the node's own
 * certificate, serving `GET /containerLogs/{namespace}/{pod}/{container}` (with `tailLines`) and
 * `/healthz`. Clients authenticate as the kubelet's `--client-ca-file` says: a certificate signed
 * by the cluster's CA whose subject is in `system:masters` (the control plane's
 * `kube-apiserver-kubelet-client`). Without a client CA (a plain-HTTP control plane on loopback)
 * it answers anyone, and then only on a loopback address.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { ActorRef, ActorSystem } from '../kernel/index.js';
import type { MinionMsg } from '../../actors/minion.js';
import { dns1123LabelError, dns1123SubdomainError } from '../api/names.js';
import { renderStatus, type StatusInfo } from '../api/status.js';
import { isLoopback } from '../server.js';

/** Options of `startKubeletServer`. */
export interface KubeletServerOptions {
  system: ActorSystem;
  address: string;
  /** 0: any free port. */
  port: number;
  /** The serving certificate and key (PEM). */
  tls: { cert: string; key: string };
  /** The CA whose `system:masters` clients may read logs (PEM); none: anyone may (loopback only). */
  clientCA?: string;
}

/** A listening kubelet endpoint; `serve` hands it the minion whose containers it shows. */
export interface KubeletServer {
  readonly port: number;
  serve(minion: ActorRef<MinionMsg>): void;
  close(): Promise<void>;
}

/** Starts listening; requests before `serve` are answered 503. */
export async function startKubeletServer(options: KubeletServerOptions): Promise<KubeletServer> {
  if (!options.clientCA && !isLoopback(options.address)) {
    throw new Error(`the kubelet endpoint on ${options.address} needs a client CA (--client-ca-file, or the CA of --certificate-authority): only a loopback one may answer anyone`);
  }
  let minion: ActorRef<MinionMsg> | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refused = authenticate(req, options.clientCA !== undefined);
    if (refused) return answerStatus(res, refused);
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method !== 'GET' || parts[0] !== 'containerLogs' || parts.length !== 4) return answerStatus(res, { code: 404, reason: 'NotFound', message: `${url.pathname} is not served here` });
    const [, namespace, pod, container] = parts as [string, string, string, string];
    const bad = dns1123LabelError(namespace) ?? dns1123SubdomainError(pod) ?? dns1123LabelError(container);
    if (bad) return answerStatus(res, { code: 400, reason: 'BadRequest', message: `${namespace}/${pod}/${container}: ${bad}` });
    const tail = url.searchParams.get('tailLines');
    if (tail !== null && !/^\d+$/.test(tail)) return answerStatus(res, { code: 400, reason: 'BadRequest', message: `tailLines must be a non-negative integer, not "${tail}"` });
    if (!minion) return answerStatus(res, { code: 503, reason: 'ServiceUnavailable', message: 'the kubelet is starting' });
    const reply = await options.system.ask<{ ok: true; text: string } | { ok: false; message: string }>(minion, { op: 'logs', key: `${namespace}/${pod}`, container, tailLines: tail === null ? undefined : Number(tail) }, 10_000);
    if (!reply.ok) return answerStatus(res, { code: 404, reason: 'NotFound', message: reply.message });
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(reply.text);
  };
  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key, ca: options.clientCA, requestCert: options.clientCA !== undefined, rejectUnauthorized: false }, (req, res) => {
    handle(req, res).catch((err: Error) => answerStatus(res, { code: 500, reason: 'InternalError', message: err.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    serve(ref) {
      minion = ref;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Why a request may not read logs, or undefined when it may. */
function authenticate(req: IncomingMessage, required: boolean): StatusInfo | undefined {
  if (!required) return undefined;
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return { code: 401, reason: 'Unauthorized', message: 'Unauthorized: a client certificate signed by the cluster CA is required' };
  const subject = socket.getPeerCertificate().subject as { O?: string | string[]; CN?: string } | undefined;
  const groups = [subject?.O ?? []].flat();
  if (!groups.includes('system:masters')) return { code: 403, reason: 'Forbidden', message: `Forbidden (user=${subject?.CN ?? ''}, verb=get, resource=nodes, subresource=log)` };
  return undefined;
}

function answerStatus(res: ServerResponse, info: StatusInfo): void {
  if (res.headersSent) return void res.end();
  res.writeHead(info.code, { 'content-type': 'application/json' }).end(JSON.stringify(renderStatus(info, 'v1')));
}
