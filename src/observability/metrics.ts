// The operator's Prometheus metrics, named as controller-runtime names them where the meaning is the same, so that
// dashboards and alerts written for Go operators work unchanged. One registry per Manager (not prom-client's global
// one), so that tests can run several managers in one process.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What a work queue reports at scrape time about the work in progress. */
export interface InFlightWork {
  unfinishedWorkSeconds(): number;
  longestRunningProcessorSeconds(): number;
}

// controller-runtime's buckets for controller_runtime_reconcile_time_seconds.
const reconcileTimeBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
// client-go's workqueue buckets: 10 ns to 1000 s, times ten each.
const workqueueBuckets = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

export class RuntimeMetrics {
  readonly registry: Registry;
  private readonly queues = new Map<string, InFlightWork>();

  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;

  readonly workqueueDepth: Gauge<'name' | 'controller'>;
  readonly workqueueAdds: Counter<'name' | 'controller'>;
  readonly workqueueRetries: Counter<'name' | 'controller'>;
  readonly workqueueQueueDuration: Histogram<'name' | 'controller'>;
  readonly workqueueWorkDuration: Histogram<'name' | 'controller'>;

  readonly leaderElectionMasterStatus: Gauge<'name'>;

  readonly informerRelists: Counter<'resource' | 'reason'>;
  readonly informerWatchRestarts: Counter<'resource' | 'reason'>;
  readonly eventsDropped: Counter<'reason'>;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    collectDefaultMetrics({ register: registry });

    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: reconcileTimeBuckets,
      registers,
    });
    this.maxConcurrentReconciles = new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    });
    this.activeWorkers = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    });

    this.workqueueDepth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name', 'controller'],
      registers,
    });
    this.workqueueAdds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name', 'controller'],
      registers,
    });
    this.workqueueRetries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name', 'controller'],
      registers,
    });
    this.workqueueQueueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name', 'controller'],
      buckets: workqueueBuckets,
      registers,
    });
    this.workqueueWorkDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: ['name', 'controller'],
      buckets: workqueueBuckets,
      registers,
    });
    // Work in progress is only known at scrape time, so these two ask the queues then.
    const queues = this.queues;
    new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration",
      labelNames: ['name', 'controller'],
      registers,
      collect() {
        for (const [name, queue] of queues)
          this.set({ name, controller: name }, queue.unfinishedWorkSeconds());
      },
    });
    new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running',
      labelNames: ['name', 'controller'],
      registers,
      collect() {
        for (const [name, queue] of queues)
          this.set({ name, controller: name }, queue.longestRunningProcessorSeconds());
      },
    });

    this.leaderElectionMasterStatus = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      labelNames: ['name'],
      registers,
    });

    this.informerRelists = new Counter({
      name: 'informer_relists_total',
      help: 'Full lists of a watched resource, by reason (initial, gone, resync)',
      labelNames: ['resource', 'reason'],
      registers,
    });
    this.informerWatchRestarts = new Counter({
      name: 'informer_watch_restarts_total',
      help: 'Watch connections that ended and were reopened, by reason',
      labelNames: ['resource', 'reason'],
      registers,
    });
    this.eventsDropped = new Counter({
      name: 'event_recorder_dropped_total',
      help: 'Kubernetes Events not posted, by reason (rate_limited, error)',
      labelNames: ['reason'],
      registers,
    });
  }

  /** A queue named like its controller, as controller-runtime labels them. */
  trackQueue(name: string, work: InFlightWork): void {
    this.queues.set(name, work);
  }
}
