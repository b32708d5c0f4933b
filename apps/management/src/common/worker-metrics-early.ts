import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';

/*
 * Imported first by main.ts. In a worker of a multi-process instance (MANAGEMENT_WORKERS > 1,
 * forked by superviseWorkers), installs prom-client's listener for the primary's metrics
 * requests before the app loads: it answers with no metrics until the app registers its
 * registry (InstanceMetrics). Without it, a worker still starting (a replacement, or one waiting
 * for the database) would leave every scrape of the instance waiting 5 s and then failing.
 */
if (cluster.isWorker && Number(process.env.MANAGEMENT_WORKERS ?? 1) > 1) {
  AggregatorRegistry.setRegistries([]);
  new AggregatorRegistry();
}
