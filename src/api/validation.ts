/**
 * Semantic validation of internal objects, as Kubernetes does it: every problem is a cause with the
 * field's path (internal, core/v1-style: `spec.containers[0].image`), which each API version
 * renders in its own terms (v1beta1.ts `v1beta1Path`). Structure and types were checked when the
 * request was decoded.
 */
import { parseCidr } from './cidr.js';
import type { ApiObject, Container, Lease, Node, Pod, PodSpec, ReplicationController, Service } from './model.js';
import type { StatusCause } from './status.js';
import { dns1035LabelError, dns1123LabelError, dns1123SubdomainError, validateLabelKey, validateLabelValue } from './names.js';

const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// The seed's controller is called `redisSlaveController`: 2014 controller names allowed upper case.
const CONTROLLER_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Collects causes under a path. */
class Causes {
  readonly list: StatusCause[] = [];
  required(field: string): void {
    this.list.push({ reason: 'FieldValueRequired', message: 'Required value', field });
  }
  invalid(field: string, value: unknown, why: string): void {
    this.list.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field });
  }
  duplicate(field: string, value: unknown): void {
    this.list.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(value)}`, field });
  }
  notSupported(field: string, value: unknown, supported: string[]): void {
    this.list.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`,
      field,
    });
  }
}

function controllerNameError(value: string): string | undefined {
  if (value.length > 253) return 'must be no more than 253 characters';
  if (!CONTROLLER_NAME.test(value)) {
    return "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function portNameError(value: string): string | undefined {
  if (value.length > 15) return 'must be no more than 15 characters';
  if (!IANA_SVC_NAME.test(value) || value.includes('--') || !/[a-z]/.test(value)) {
    return "must contain only lowercase alphanumeric characters or '-', at least one letter, no '--', and start and end with an alphanumeric character";
  }
  return undefined;
}

function checkName(c: Causes, value: string, check: (v: string) => string | undefined, field = 'metadata.name'): void {
  if (!value) c.required(field);
  else {
    const why = check(value);
    if (why) c.invalid(field, value, why);
  }
}

function checkLabels(c: Causes, labels: Record<string, string>, field: string): void {
  for (const [k, v] of Object.entries(labels)) {
    const keyWhy = validateLabelKey(k);
    if (keyWhy) c.invalid(field, k, keyWhy);
    if (typeof v !== 'string') c.invalid(`${field}[${k}]`, v, 'must be a string');
    else {
      const valueWhy = validateLabelValue(v);
      if (valueWhy) c.invalid(`${field}[${k}]`, v, valueWhy);
    }
  }
}

/** Kubernetes' TotalAnnotationSizeLimitB: keys and values together. */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

// ValidateAnnotations: each key a qualified name (read in lower case), all of them at most 256 KiB.
function checkAnnotations(c: Causes, annotations: Record<string, string>, field: string): void {
  let bytes = 0;
  for (const [k, v] of Object.entries(annotations)) {
    const why = validateLabelKey(k.toLowerCase());
    if (why) c.invalid(field, k, why);
    bytes += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (bytes > ANNOTATIONS_MAX_BYTES) c.list.push({ reason: 'FieldValueTooLong', message: `Too long: must have at most ${ANNOTATIONS_MAX_BYTES} bytes`, field });
}

function checkPort(c: Causes, value: number | undefined, field: string, allowZero: boolean): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1) || value > 65535) {
    c.invalid(field, value, `must be between ${allowZero ? 0 : 1} and 65535, inclusive`);
  }
}

function checkContainer(c: Causes, ctr: Container, path: string, hostPorts: Set<string>, portNames: Set<string>): void {
  checkName(c, ctr.name, dns1123LabelError, `${path}.name`);
  if (!ctr.image || !ctr.image.trim()) c.required(`${path}.image`);
  const containerPorts = new Set<string>();
  ctr.ports.forEach((p, i) => {
    const pp = `${path}.ports[${i}]`;
    if (p.name) {
      const why = portNameError(p.name);
      if (why) c.invalid(`${pp}.name`, p.name, why);
      else if (portNames.has(p.name)) c.duplicate(`${pp}.name`, p.name);
      portNames.add(p.name);
    }
    if (p.containerPort === undefined || p.containerPort === 0) c.required(`${pp}.containerPort`);
    else checkPort(c, p.containerPort, `${pp}.containerPort`, false);
    checkPort(c, p.hostPort, `${pp}.hostPort`, true);
    if (p.protocol !== 'TCP' && p.protocol !== 'UDP') c.notSupported(`${pp}.protocol`, p.protocol, ['TCP', 'UDP']);
    const cp = `${p.protocol}/${p.containerPort}`;
    if (containerPorts.has(cp)) c.duplicate(`${pp}.containerPort`, p.containerPort);
    containerPorts.add(cp);
    if (p.hostPort) {
      const hp = `${p.protocol}/${p.hostIP ?? ''}/${p.hostPort}`;
      if (hostPorts.has(hp)) c.duplicate(`${pp}.hostPort`, p.hostPort);
      hostPorts.add(hp);
    }
  });
  ctr.env.forEach((e, i) => {
    if (!e.name) c.required(`${path}.env[${i}].name`);
    else if (!C_IDENTIFIER.test(e.name)) {
      c.invalid(`${path}.env[${i}].name`, e.name, "a valid environment variable name must consist of alphabetic characters, digits, '_', and must not start with a digit");
    }
  });
  if (ctr.memory !== undefined && (!Number.isInteger(ctr.memory) || ctr.memory < 0)) c.invalid(`${path}.memory`, ctr.memory, 'must be greater than or equal to 0');
  if (ctr.cpu !== undefined && (!Number.isInteger(ctr.cpu) || ctr.cpu < 0)) c.invalid(`${path}.cpu`, ctr.cpu, 'must be greater than or equal to 0');
  const probe = ctr.livenessProbe;
  if (probe) {
    const handlers = [probe.httpGet, probe.tcpSocket, probe.exec].filter((h) => h !== undefined).length;
    if (handlers !== 1) c.invalid(`${path}.livenessProbe`, handlers, 'must specify exactly one of httpGet, tcpSocket or exec');
    if (probe.exec && probe.exec.command.length === 0) c.required(`${path}.livenessProbe.exec.command`);
    if (probe.initialDelaySeconds !== undefined && probe.initialDelaySeconds < 0) {
      c.invalid(`${path}.livenessProbe.initialDelaySeconds`, probe.initialDelaySeconds, 'must be greater than or equal to 0');
    }
  }
}

function checkPodSpec(c: Causes, spec: PodSpec, path: string): void {
  if (spec.containers.length === 0) c.required(`${path}.containers`);
  const names = new Set<string>();
  const hostPorts = new Set<string>();
  const portNames = new Set<string>();
  spec.containers.forEach((ctr, i) => {
    if (ctr.name && names.has(ctr.name)) c.duplicate(`${path}.containers[${i}].name`, ctr.name);
    names.add(ctr.name);
    checkContainer(c, ctr, `${path}.containers[${i}]`, hostPorts, portNames);
  });
  const policies = ['Always', 'OnFailure', 'Never'];
  if (!policies.includes(spec.restartPolicy)) c.notSupported(`${path}.restartPolicy`, spec.restartPolicy, policies);
  checkLabels(c, spec.nodeSelector, `${path}.nodeSelector`);
  const volumes = new Set<string>();
  spec.volumes.forEach((v, i) => {
    checkName(c, v.name, dns1123LabelError, `${path}.volumes[${i}].name`);
    if (volumes.has(v.name)) c.duplicate(`${path}.volumes[${i}].name`, v.name);
    volumes.add(v.name);
  });
}

function checkPod(c: Causes, pod: Pod): void {
  checkName(c, pod.metadata.name, dns1123SubdomainError);
  checkPodSpec(c, pod.spec, 'spec');
}

function checkController(c: Causes, rc: ReplicationController): void {
  checkName(c, rc.metadata.name, controllerNameError);
  const { replicas, selector, template } = rc.spec;
  if (!Number.isInteger(replicas) || replicas < 0) c.invalid('spec.replicas', replicas, 'must be greater than or equal to 0');
  if (Object.keys(selector).length === 0) c.required('spec.selector');
  checkLabels(c, selector, 'spec.selector');
  checkLabels(c, template.metadata.labels, 'spec.template.metadata.labels');
  checkAnnotations(c, template.metadata.annotations ?? {}, 'spec.template.metadata.annotations');
  const mismatch = Object.entries(selector).some(([k, v]) => template.metadata.labels[k] !== v);
  if (Object.keys(selector).length > 0 && mismatch) {
    c.invalid('spec.template.metadata.labels', template.metadata.labels, '`selector` does not match template `labels`');
  }
  checkPodSpec(c, template.spec, 'spec.template.spec');
}

function checkService(c: Causes, svc: Service): void {
  checkName(c, svc.metadata.name, dns1035LabelError);
  svc.spec.ports.forEach((p, i) => {
    if (!p.port) c.required(`spec.ports[${i}].port`);
    else checkPort(c, p.port, `spec.ports[${i}].port`, false);
    if (p.protocol !== 'TCP' && p.protocol !== 'UDP') c.notSupported(`spec.ports[${i}].protocol`, p.protocol, ['TCP', 'UDP']);
    if (typeof p.targetPort === 'number') {
      if (p.targetPort !== 0) checkPort(c, p.targetPort, `spec.ports[${i}].targetPort`, false);
    } else {
      const why = portNameError(p.targetPort);
      if (why) c.invalid(`spec.ports[${i}].targetPort`, p.targetPort, why);
    }
  });
  if (svc.spec.ports.length === 0) c.required('spec.ports[0].port');
  // Several ports: each needs a name, and no two the same (Kubernetes' rule).
  if (svc.spec.ports.length > 1) {
    const seen = new Set<string>();
    svc.spec.ports.forEach((p, i) => {
      if (!p.name) c.required(`spec.ports[${i}].name`);
      else if (seen.has(p.name)) c.duplicate(`spec.ports[${i}].name`, p.name);
      else seen.add(p.name);
    });
  }
  checkLabels(c, svc.spec.selector, 'spec.selector');
}

function checkNode(c: Causes, node: Node): void {
  checkName(c, node.metadata.name, dns1123SubdomainError);
  const { podCIDR } = node.spec;
  if (podCIDR !== undefined && !parseCidr(podCIDR)) c.invalid('spec.podCIDR', podCIDR, 'must be a valid CIDR value, (e.g. 10.9.8.0/24)');
  const { kubeletPort } = node.status;
  if (kubeletPort !== undefined && !(Number.isInteger(kubeletPort) && kubeletPort > 0 && kubeletPort < 65536)) {
    c.invalid('status.daemonEndpoints.kubeletEndpoint.Port', kubeletPort, 'must be between 1 and 65535, inclusive');
  }
}

// coordination/validation ValidateLease: times were checked when decoded.
function checkLease(c: Causes, lease: Lease): void {
  checkName(c, lease.metadata.name, dns1123SubdomainError);
  const { leaseDurationSeconds, leaseTransitions } = lease.spec;
  if (leaseDurationSeconds !== undefined && leaseDurationSeconds <= 0) c.invalid('spec.leaseDurationSeconds', leaseDurationSeconds, 'must be greater than 0');
  if (leaseTransitions !== undefined && leaseTransitions < 0) c.invalid('spec.leaseTransitions', leaseTransitions, 'must be greater than or equal to 0');
}

/** Every problem with `obj`; empty when it is valid. */
export function validate(obj: ApiObject): StatusCause[] {
  const c = new Causes();
  checkLabels(c, obj.metadata.labels, 'metadata.labels');
  checkAnnotations(c, obj.metadata.annotations ?? {}, 'metadata.annotations');
  switch (obj.kind) {
    case 'Pod':
      checkPod(c, obj);
      break;
    case 'ReplicationController':
      checkController(c, obj);
      break;
    case 'Service':
      checkService(c, obj);
      break;
    case 'Node':
      checkNode(c, obj);
      break;
    case 'Endpoints':
      checkName(c, obj.metadata.name, dns1035LabelError);
      break;
    case 'Event':
      checkName(c, obj.metadata.name, dns1123SubdomainError);
      if (!obj.involvedObject.name) c.required('involvedObject.name');
      break;
    case 'Namespace':
      checkName(c, obj.metadata.name, dns1123LabelError);
      break;
    case 'Lease':
      checkLease(c, obj);
      break;
  }
  return c.list;
}
