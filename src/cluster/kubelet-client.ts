/**
 * KubeletClient: how the control plane reads a remote minion's container logs — an HTTPS request
 * to the kubelet endpoint its Node publishes (`status.addresses` InternalIP and
 * `status.daemonEndpoints.kubeletEndpoint.Port`), showing the control plane's client certificate
 * (`kube-apiserver-kubelet-client`, in `system:masters`). As kube-apiserver without
 * `--kubelet-certificate-authority`, it does not verify the kubelet's self-signed certificate: the
 * kubelet authenticates the control plane, not the other way round.
 */
import { Agent, fetch } from 'undici';
import type { Node } from '../api/model.js';
import { StatusError, statusInfoOf } from '../api/status.js';

/** The control plane's side of the kubelet endpoint. */
export class KubeletClient {
  private readonly dispatcher: Agent;

  constructor(certificate: { cert: string; key: string } | undefined) {
    this.dispatcher = new Agent({ connect: { ...certificate, rejectUnauthorized: false }, headersTimeout: 10_000, bodyTimeout: 30_000 });
  }

  /** A container's output from the node running it; the kubelet's refusal as its Status. */
  async logs(node: Node, namespace: string, pod: string, container: string, tailLines?: number): Promise<string> {
    const { hostIP, kubeletPort } = node.status;
    if (!hostIP || !kubeletPort) throw new StatusError({ code: 400, reason: 'BadRequest', message: `node ${node.metadata.name} publishes no kubelet endpoint` });
    const host = hostIP.includes(':') ? `[${hostIP}]` : hostIP;
    const query = tailLines === undefined ? '' : `?tailLines=${tailLines}`;
    const url = `https://${host}:${kubeletPort}/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}/${encodeURIComponent(container)}${query}`;
    let res: Awaited<ReturnType<typeof fetch>>;
    try {
      res = await fetch(url, { dispatcher: this.dispatcher, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new StatusError({ code: 502, reason: 'InternalError', message: `the kubelet of node ${node.metadata.name} at ${host}:${kubeletPort} cannot be reached: ${cause}` });
    }
    const text = await res.text();
    if (res.status >= 400) throw new StatusError(statusInfoOf(text, res.status));
    return text;
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }
}
