/**
 * Kubernetes object-name rules (apimachinery's validation): namespaces are DNS-1123 labels, most other names
 * (Leases among them) DNS-1123 subdomains. Checked where names enter from flags and variables, so a typo is a
 * message at start-up rather than a 404 or a silently empty watch later.
 */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `value` is not a DNS-1123 label (a namespace name), or undefined when it is one. */
export function dnsLabelProblem(value: string): string | undefined {
  if (value.length > 63) return `"${value}" is longer than 63 characters`;
  if (!DNS_LABEL.test(value)) {
    return `"${value}" is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)`;
  }
  return undefined;
}

/** Why `value` is not a DNS-1123 subdomain (an object name such as a Lease's), or undefined when it is one. */
export function dnsSubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return `"${value}" is longer than 253 characters`;
  if (!DNS_SUBDOMAIN.test(value)) {
    return `"${value}" is not a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", starting and ending with a letter or digit)`;
  }
  return undefined;
}
