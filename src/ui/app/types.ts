/** The v1 wire shapes the dashboard reads (only the fields it uses). */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  deletionTimestamp?: string;
}

export interface KubeObject {
  kind?: string;
  apiVersion?: string;
  metadata: ObjectMeta;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
}

export interface Node extends KubeObject {
  status?: { capacity?: Record<string, string>; allocatable?: Record<string, string>; conditions?: Condition[]; addresses?: { type: string; address: string }[] };
}

export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { exitCode?: number; reason?: string; finishedAt?: string };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  ports?: { containerPort: number; protocol?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod extends KubeObject {
  spec: { nodeName?: string; containers: Container[]; restartPolicy?: string };
  status?: { phase?: string; podIP?: string; hostIP?: string; startTime?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[]; reason?: string; message?: string };
}

export interface ReplicationController extends KubeObject {
  spec: { replicas?: number; selector?: Record<string, string> };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

export interface Service extends KubeObject {
  spec: { clusterIP?: string; ports?: { port: number; targetPort?: number | string; protocol?: string }[]; selector?: Record<string, string> };
}

export interface Endpoints extends KubeObject {
  subsets?: { addresses?: { ip: string }[]; ports?: { port: number }[] }[];
}

export interface Event extends KubeObject {
  involvedObject: { kind?: string; namespace?: string; name?: string; uid?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string | null;
  source?: { component?: string; host?: string };
}

export interface List<T> {
  kind?: string;
  metadata: { resourceVersion?: string };
  items: T[];
}

export interface Status {
  kind: 'Status';
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T | Status;
}

/** `/debug/actors` (src/debug/actors.ts): the server's own types. */
export type { ActorEntry, ActorsDocument, ShardLoad } from '../../debug/document.js';
