/** The BullMQ queues of the management API. */
export enum QueueName {
  Telemetry = 'telemetry',
  Analysis = 'analysis',
  Allocation = 'allocation',
  Updates = 'updates',
  Webhooks = 'webhooks',
}

/** Job names inside the queues; processors switch on these explicitly. */
export enum JobName {
  IngestReport = 'ingest-report',
  AnalyseService = 'analyse-service',
  AllocateServers = 'allocate-servers',
  DeallocateServers = 'deallocate-servers',
  BuildRevisions = 'build-revisions',
  VerifyUpdate = 'verify-update',
  SweepDrains = 'sweep-drains',
  ExecuteDecision = 'execute-decision',
  AnalyseAll = 'analyse-all',
  DeliverWebhook = 'deliver-webhook',
  ApplyTelemetryRetention = 'apply-telemetry-retention',
  RollUpTelemetry = 'roll-up-telemetry',
}

/**
 * Queues the execution of scaling decision `decisionId`: the job id is the decision's, so adding
 * it again while it waits (the analyser, a rollback's replacement, the reconciler) is a no-op.
 */
export function addExecuteDecision(allocation: { add(name: string, data: unknown, opts: { jobId: string }): Promise<unknown> }, decisionId: string, requestId: string | null): Promise<unknown> {
  return allocation.add(JobName.ExecuteDecision, { decisionId, requestId }, { jobId: `decision-${decisionId}` });
}

export const ALL_QUEUES: QueueName[] = [QueueName.Telemetry, QueueName.Analysis, QueueName.Allocation, QueueName.Updates, QueueName.Webhooks];
