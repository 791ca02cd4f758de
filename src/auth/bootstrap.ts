/**
 * TLS bootstrapping, as kubeadm joins a node: a bootstrap token (`abcdef.0123456789abcdef`, kept
 * in the data folder as `bootstrap.token`) authenticates as `system:bootstrap:<id>` in
 * `system:bootstrappers`, which may do one thing — ask for a node's client certificate
 * (`POST /apis/certificates.k8s.io/v1/certificatesigningrequests`, signer
 * `kubernetes.io/kube-apiserver-client-kubelet`). The request is approved and signed at once, as
 * kube-controller-manager's approver and signer do for bootstrapping kubelets, and answered with
 * the certificate in its status; helmsman keeps no CSR objects (nothing lists or watches them).
 * From then on the node speaks with its certificate: `system:node:<name>` in `system:nodes`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'koa';
import { badRequest, StatusError } from '../api/status.js';
import { readBody } from '../api/body.js';
import { BOOTSTRAPPERS, nodeNameOf, type UserInfo } from './user.js';

/** The path a node asks for its certificate at. */
export const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

const TOKEN = /^([a-z0-9]{6})\.[a-z0-9]{16}$/;

/** Whether a token has a bootstrap token's shape. */
export function isBootstrapToken(token: string): boolean {
  return TOKEN.test(token);
}

function randomPart(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** The bootstrap token kept in `dataDir` (made at first start), and the user it authenticates as. */
export function bootstrapToken(dataDir: string): { token: string; user: UserInfo } {
  const file = join(dataDir, 'bootstrap.token');
  let token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (!isBootstrapToken(token)) {
    mkdirSync(dataDir, { recursive: true });
    token = `${randomPart(6)}.${randomPart(16)}`;
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
  }
  const id = TOKEN.exec(token)![1]!;
  return { token, user: { name: `system:bootstrap:${id}`, uid: '', groups: [BOOTSTRAPPERS] } };
}

/** Signs a node's certificate request (pki.ts `signNodeClientCsr` with the cluster CA); `node`: the requester's own, when a node renews. */
export type NodeCsrSigner = (csrPem: string, node?: string) => Promise<{ node: string; cert: string }>;

/** The handler of `POST CSR_PATH`: the request approved and signed, answered with its certificate. */
export function csrHandler(sign: NodeCsrSigner): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const body = (await readBody(ctx.req)) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; generateName?: unknown }; spec?: { request?: unknown; signerName?: unknown; usages?: unknown } } | null;
    if (typeof body !== 'object' || body === null) throw badRequest('the request body must be a JSON or YAML object');
    if (body.kind !== 'CertificateSigningRequest') throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (CertificateSigningRequest)`);
    const spec = body.spec ?? {};
    const invalid = (field: string, message: string) =>
      new StatusError({ code: 422, reason: 'Invalid', message: `CertificateSigningRequest.certificates.k8s.io is invalid: ${field}: ${message}`, kind: 'CertificateSigningRequest', group: 'certificates.k8s.io', causes: [{ reason: 'FieldValueInvalid', message, field }] });
    if (spec.signerName !== 'kubernetes.io/kube-apiserver-client-kubelet') throw invalid('spec.signerName', `Unsupported value: ${JSON.stringify(spec.signerName ?? '')}: supported values: "kubernetes.io/kube-apiserver-client-kubelet"`);
    if (typeof spec.request !== 'string' || !spec.request) throw invalid('spec.request', 'Required value');
    const user = ctx.state.user as UserInfo | undefined;
    let signed: { node: string; cert: string };
    try {
      signed = await sign(Buffer.from(spec.request, 'base64').toString('utf8'), user ? nodeNameOf(user) : undefined);
    } catch (err) {
      if ((err as Error).name === 'CsrRefusedError') throw new StatusError({ code: 403, reason: 'Forbidden', message: `certificatesigningrequests.certificates.k8s.io is forbidden: ${(err as Error).message}` });
      throw err;
    }
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const name = typeof body.metadata?.name === 'string' && body.metadata.name ? body.metadata.name : `${typeof body.metadata?.generateName === 'string' ? body.metadata.generateName : 'csr-'}${randomPart(5)}`;
    ctx.status = 201;
    ctx.body = {
      kind: 'CertificateSigningRequest',
      apiVersion: 'certificates.k8s.io/v1',
      metadata: { name, uid: randomUUID(), creationTimestamp: now },
      spec: { ...spec, username: user?.name ?? 'system:anonymous', groups: user?.groups ?? [] },
      status: {
        conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: `Auto approving kubelet client certificate for node ${signed.node}`, lastUpdateTime: now, lastTransitionTime: now }],
        certificate: Buffer.from(signed.cert).toString('base64'),
      },
    };
  };
}
