/**
 * Thrown when this replica may no longer mutate the cluster: its leadership term ended (the context's signal
 * aborted) or the fence says another replica leads. One class for the whole engine, so a fence thrown by the
 * controller's terms and one raised by an action are told apart from other failures the same way.
 */
export { LeadershipLostError } from '../controller/leadership.js';
