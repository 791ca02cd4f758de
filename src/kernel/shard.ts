/**
 * The entry point of a shard worker: imports the actor modules, builds this thread's Node on the
 * port transport, and exposes the control API over comlink. Runs from compiled JavaScript only.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { registerModule } from './actor.js';
import { RealClock, VirtualClock, type Clock } from './clock.js';
import { exposeControl, type ShardControl } from './control.js';
import { makeLog, type LogLevel } from './log.js';
import { Node, type NodeSettings } from './node.js';
import type { NodeControl } from './protocol.js';
import { makeRandom } from './random.js';
import { MAIN_SLOT } from './ref.js';
import { PortTransport } from './transport.js';

/** What the main thread hands a shard at start. */
export interface ShardBoot {
  settings: Omit<NodeSettings, 'random' | 'log' | 'requestIds'>;
  seed: number | undefined;
  logLevel: LogLevel;
  modules: string[];
  clockBuffer: SharedArrayBuffer | undefined;
  control: MessagePort;
}

const boot = workerData as ShardBoot;
if (!parentPort) throw new Error('shard.js runs inside a worker thread');
const main = parentPort;

for (const url of boot.modules) registerModule((await import(url)) as Record<string, unknown>);

const clock: Clock = boot.clockBuffer ? VirtualClock.attach(boot.clockBuffer) : new RealClock();
const settings: NodeSettings = {
  ...boot.settings,
  random: makeRandom(boot.seed === undefined ? undefined : boot.seed + boot.settings.slot + 1),
  log: makeLog(boot.logLevel),
  requestIds: () => main.postMessage({ ctl: 'ids' }),
};
const transport = new PortTransport({
  batch: (flat) => node.receiveBatch(flat),
  control: (msg) => onControl(msg as unknown as NodeControl),
});
const node = new Node(settings, clock, transport);
transport.connect(MAIN_SLOT, main);

function onControl(msg: NodeControl): void {
  switch (msg.ctl) {
    case 'peer':
      transport.connect(msg.slot, msg.port);
      return;
    case 'down':
      node.shardDown(msg.slot, msg.reason, msg.permanent);
      return;
    case 'up':
      transport.connect(msg.slot, msg.port);
      node.shardUp(msg.slot);
      return;
    case 'ids':
      node.supplyIds(msg.base);
      return;
  }
}

let gc: (() => void) | undefined;
const api: ShardControl = {
  ready: () => boot.settings.slot,
  stats: () => node.stats(),
  cells: () => node.cellInfos(),
  deadLetters: () => node.deadLetters(),
  report: (withCells) => ({ stats: node.stats(), heapUsedBytes: getHeapStatistics().used_heap_size, cells: withCells ? node.cellInfos() : undefined }),
  heapUsed: (collect) => {
    if (collect) {
      if (!gc) {
        setFlagsFromString('--expose-gc');
        gc = runInNewContext('gc') as () => void;
      }
      gc();
      gc();
    }
    return process.memoryUsage().heapUsed;
  },
  nextDue: () => (clock instanceof VirtualClock ? clock.nextDue() : undefined),
  fireDue: () => (clock instanceof VirtualClock ? clock.fireDue() : 0),
  settle: () => new Promise<void>((resolve) => setImmediate(resolve)),
};
exposeControl(api, boot.control);
