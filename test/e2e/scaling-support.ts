/** The load driver and the interim agent reporter live with bench/reaction, which uses them too. */
export { AGENT_REPORTS_ITSELF, Load, startReporter } from '../../bench/reaction/harness';
