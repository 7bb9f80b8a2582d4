import { CONTROL_SCENARIOS } from './rbac-control-scenarios.js';
import type { RbacScenario } from './rbac-scenario-kit.js';
import { WORKLOAD_SCENARIOS } from './rbac-workload-scenarios.js';

export type { RbacScenario, ScenarioContext } from './rbac-scenario-kit.js';

/** Every named scenario of the RBAC e2e, in the order they are reported. */
export const SCENARIOS: RbacScenario[] = [...WORKLOAD_SCENARIOS, ...CONTROL_SCENARIOS];
