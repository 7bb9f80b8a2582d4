import type { JsonObject } from '../json/json-value.js';
import type { TableColumn } from './resource-type.js';
import {
  ageColumn,
  arr,
  column,
  formatLabels,
  int,
  nameColumn,
  obj,
  objects,
  str,
  WIDE,
} from './table-cells.js';

/*
 * printService. The sandbox does not default Services the way the apiserver does (type ClusterIP, protocol
 * TCP, an allocated clusterIP), so the printer reads absent fields as those defaults would have set them.
 */

function serviceType(o: JsonObject): string {
  return str(obj(o.spec).type) || 'ClusterIP';
}

function clusterIP(o: JsonObject): string {
  const spec = obj(o.spec);
  const first = arr(spec.clusterIPs)[0];
  return str(first) || str(spec.clusterIP) || '<none>';
}

/** Load balancer ingress IPs (or hostnames), sorted and unique; the apiserver prints wide, so never clipped. */
function loadBalancerAddresses(o: JsonObject): string[] {
  const seen = new Set<string>();
  for (const ingress of objects(obj(obj(o.status).loadBalancer).ingress)) {
    const value = str(ingress.ip) || str(ingress.hostname);
    if (value) seen.add(value);
  }
  return [...seen].sort();
}

function externalIP(o: JsonObject): string {
  const spec = obj(o.spec);
  const externalIPs = arr(spec.externalIPs).map(str);
  switch (serviceType(o)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...loadBalancerAddresses(o), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

/** `80/TCP`, or `80:30080/TCP` with a node port. */
function ports(o: JsonObject): string {
  const text = objects(obj(o.spec).ports)
    .map((p) => {
      const protocol = str(p.protocol) || 'TCP';
      const nodePort = int(p.nodePort);
      return nodePort > 0 ? `${int(p.port)}:${nodePort}/${protocol}` : `${int(p.port)}/${protocol}`;
    })
    .join(',');
  return text === '' ? '<none>' : text;
}

export const serviceColumns: TableColumn[] = [
  nameColumn,
  column('Type', 'string', 'type determines how the Service is exposed.', serviceType),
  column('Cluster-IP', 'string', 'clusterIP is the IP address of the service.', clusterIP),
  column(
    'External-IP',
    'string',
    'externalIPs is a list of IP addresses for which nodes also accept traffic.',
    externalIP,
  ),
  column('Port(s)', 'string', 'The list of ports that are exposed by this service.', ports),
  ageColumn,
  column(
    'Selector',
    'string',
    'Route service traffic to pods with label keys and values matching this selector.',
    (o) => formatLabels(obj(o.spec).selector),
    WIDE,
  ),
];
