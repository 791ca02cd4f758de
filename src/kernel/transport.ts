import type { MessagePort, Worker } from 'node:worker_threads';
import { decodeBatch, encodeBatch, type WireBatch } from './codec.js';

/** Something that posts to and receives from one peer thread: a MessagePort, a Worker or parentPort. */
export interface Endpoint {
  postMessage(value: unknown, transfer?: readonly any[]): void;
  on(event: 'message', listener: (value: any) => void): unknown;
  off(event: 'message', listener: (value: any) => void): unknown;
}

/** A message for the node itself rather than for an actor (shard down/up, sent by the main thread). */
export interface ControlMessage {
  ctl: string;
  [key: string]: unknown;
}

/**
 * Transport moves batches of envelopes between this thread and its peers (one per slot). It owns
 * the wire encoding, so a SharedArrayBuffer ring can replace the port-based one without the node
 * noticing. Batches to one peer arrive in the order sent.
 */
export interface Transport {
  /** Sends an envelope batch (batch.ts) to the peer at `slot`; the transport owns `flat` afterwards. */
  send(slot: number, flat: unknown[]): void;
  /** (Re)connects the peer at `slot` and delivers anything held for it while it was down. */
  connect(slot: number, endpoint: Endpoint): void;
  /** Marks the peer at `slot` gone: later sends are held until `connect`. */
  disconnect(slot: number): void;
  /** Detaches every endpoint; MessagePorts it owns are closed. */
  close(): void;
}

/** What a transport hands to its node. */
export interface TransportHandlers {
  batch(flat: unknown[]): void;
  /** A control message from the peer at `slot`. */
  control(msg: ControlMessage, slot: number): void;
}

interface Link {
  endpoint: Endpoint | undefined;
  listener: ((value: unknown) => void) | undefined;
  held: WireBatch[];
}

/** PortTransport posts each batch with one `postMessage` (JSON text when possible, see codec.ts). */
export class PortTransport implements Transport {
  private readonly links = new Map<number, Link>();

  constructor(private readonly handlers: TransportHandlers) {}

  send(slot: number, flat: unknown[]): void {
    const link = this.links.get(slot);
    const wire = encodeBatch(flat);
    if (link?.endpoint) link.endpoint.postMessage(wire);
    else if (link) link.held.push(wire);
    else this.links.set(slot, { endpoint: undefined, listener: undefined, held: [wire] });
  }

  connect(slot: number, endpoint: Endpoint): void {
    const link = this.links.get(slot) ?? { endpoint: undefined, listener: undefined, held: [] };
    this.detach(link);
    const listener = (value: unknown): void => {
      if (typeof value === 'string' || Array.isArray(value)) this.handlers.batch(decodeBatch(value));
      else if (value && typeof value === 'object' && typeof (value as ControlMessage).ctl === 'string') {
        this.handlers.control(value as ControlMessage, slot);
      }
    };
    endpoint.on('message', listener);
    link.endpoint = endpoint;
    link.listener = listener;
    this.links.set(slot, link);
    for (const wire of link.held) endpoint.postMessage(wire);
    link.held = [];
  }

  disconnect(slot: number): void {
    const link = this.links.get(slot);
    if (link) this.detach(link);
  }

  close(): void {
    for (const link of this.links.values()) this.detach(link);
    this.links.clear();
  }

  private detach(link: Link): void {
    if (link.endpoint && link.listener) link.endpoint.off('message', link.listener);
    if (link.endpoint && isPort(link.endpoint)) link.endpoint.close();
    link.endpoint = undefined;
    link.listener = undefined;
  }
}

function isPort(e: Endpoint): e is MessagePort {
  return typeof (e as MessagePort).close === 'function' && typeof (e as Worker).terminate !== 'function';
}
