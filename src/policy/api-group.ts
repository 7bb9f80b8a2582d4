/** Identity of the RemediationPolicy API: one place for the strings the CRD, clients and tests share. */
export const POLICY_GROUP = 'coordination-engine.io';
export const POLICY_VERSION = 'v1alpha1';
export const POLICY_API_VERSION = `${POLICY_GROUP}/${POLICY_VERSION}`;
export const POLICY_KIND = 'RemediationPolicy';
export const POLICY_PLURAL = 'remediationpolicies';
