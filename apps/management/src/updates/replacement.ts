/** `evidence.trigger` of a replacement decision opened by a rollback (the allocation queue executes it). */
export const ROLLBACK_REPLACEMENT_TRIGGER = 'update_rolled_back';
/**
 * At most this many replacements after failed updates per service in any hour: a replacement
 * that fails verification too is quarantined and replaced again, but a fleet whose every free
 * server fails (a bad image, a wrong port) must not drain the whole free pool into quarantine.
 * Past it the quarantine stands and the decision is recorded unfulfilled with the reason.
 */
export const ROLLBACK_REPLACEMENTS_PER_HOUR = 3;
