/**
 * The pod every api-benchmark request creates, as JSON text built from a template: the load
 * generators share the machine's two cores with the server, so their own cost per request counts
 * against the server's figures.
 */
export function podJson(name: string): string {
  return `{"kind":"Pod","apiVersion":"v1beta1","id":"${name}","desiredState":{"manifest":{"version":"v1beta1","id":"${name}","containers":[{"name":"c","image":"busybox","ports":[{"containerPort":80}]}]}},"labels":{"app":"bench"}}`;
}
