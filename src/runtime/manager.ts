// Wires the runtime together: caches, controllers, leader election, the HTTP endpoints and signals. Caches run on
// every replica (so a standby is warm and ready); controllers run only on the leader, once every cache has synced.
// SIGTERM or SIGINT stops gracefully: intake stops, reconciles in flight get a bounded time to finish (the lease is
// still renewed meanwhile), then the lease is released and run() resolves. A lost lease aborts every reconcile at
// once and run() rejects with LeadershipLostError; the process should then exit non-zero, as a controller-runtime
// manager does, and come back as a standby.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { linkSignals, whenAborted } from './abort.js';
import { Controller, type ControllerOptions } from './controller.js';
import { apiEventSink, EventRecorder } from './events.js';
import { startHttpServer, type RunningHttpServer } from './http-server.js';
import { Informer, type InformerOptions } from './informer/informer.js';
import type { KubeClient } from './kube/client.js';
import type { KubeObject } from './kube/object.js';
import { ResourceApi, type Decode } from './kube/resource-api.js';
import type { ResourceType } from './kube/resource.js';
import { apiLeaseStore, LeaderElector, type LeaderElectionOptions } from './leader-election.js';
import type { Logger } from '../observability/logger.js';
import { RuntimeMetrics } from '../observability/metrics.js';

export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError';
}

export interface ManagerOptions {
  /** The operator's name: reportingController of its Events. */
  name: string;
  client: KubeClient;
  logger: Logger;
  metrics?: RuntimeMetrics;
  /** This process among replicas; hostname and a UUID by default, as client-go does. */
  identity?: string;
  /** Without it every replica reconciles: only for a single replica. */
  leaderElection?: Omit<LeaderElectionOptions, 'identity'>;
  /** Port of /healthz, /readyz and /metrics (0 picks a free one); absent, no HTTP server. */
  httpPort?: number;
  /** How long reconciles in flight may run on after SIGTERM. Default 30 s. */
  gracefulShutdownTimeoutMs?: number;
  /** Stop on SIGTERM and SIGINT. Default true. */
  handleSignals?: boolean;
}

type Outcome = 'stop' | 'lost';

/** What the manager needs of an informer, whatever kind it caches. */
interface RunnableCache {
  readonly name: string;
  isReady(): boolean;
  run(signal: AbortSignal): Promise<void>;
  waitForSync(signal: AbortSignal): Promise<boolean>;
}

interface RunnableController {
  start(): void;
  stop(graceMs: number): Promise<void>;
}

export class Manager {
  readonly client: KubeClient;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  readonly events: EventRecorder;
  readonly identity: string;
  private readonly informers: RunnableCache[] = [];
  private readonly controllers: RunnableController[] = [];
  private readonly stopRequest = new AbortController();
  private http: RunningHttpServer | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.metrics = options.metrics ?? new RuntimeMetrics();
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.events = new EventRecorder(
      { controller: options.name, instance: this.identity },
      { sink: apiEventSink(options.client), logger: options.logger, metrics: this.metrics },
    );
  }

  /** A cache of one kind of resource, started with the manager. */
  informer<T extends KubeObject>(options: InformerOptions<T>): Informer<T> {
    const informer = new Informer<T>(options, {
      client: this.client,
      logger: this.logger,
      metrics: this.metrics,
    });
    this.informers.push(informer);
    return informer;
  }

  /** A controller, started when this replica leads and the caches have synced. */
  controller<T extends KubeObject>(options: ControllerOptions<T>): Controller<T> {
    const controller = new Controller<T>(options, { logger: this.logger, metrics: this.metrics });
    this.controllers.push(controller);
    return controller;
  }

  /** Typed API calls for one kind, e.g. for ensureFinalizer and patchStatus. */
  resource<T extends KubeObject>(type: ResourceType, decode?: Decode<T>): ResourceApi<T> {
    return new ResourceApi<T>(this.client, type, decode);
  }

  /** The bound port of the HTTP server, once run() has started it. */
  get httpPort(): number | undefined {
    return this.http?.port;
  }

  /** Begins a graceful stop, as SIGTERM does. */
  stop(): void {
    this.stopRequest.abort();
  }

  /** Runs until stop() or a signal (resolves) or until the lease is lost (rejects with LeadershipLostError). */
  async run(): Promise<void> {
    const onSignal = (signal: NodeJS.Signals) => {
      this.logger.info('signal received; shutting down', { signal });
      this.stop();
    };
    const handleSignals = this.options.handleSignals ?? true;
    if (handleSignals) {
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    }
    const informerStop = new AbortController();
    try {
      if (this.options.httpPort !== undefined) {
        this.http = await startHttpServer({
          port: this.options.httpPort,
          metrics: this.metrics,
          readiness: () => this.informers,
          logger: this.logger,
        });
      }
      const informersDone = Promise.all(this.informers.map((informer) => informer.run(informerStop.signal)));
      const outcome = await this.runControllers();
      informerStop.abort();
      await informersDone;
      if (outcome === 'lost') throw new LeadershipLostError('lost the leader election lease');
      this.logger.info('stopped');
    } finally {
      informerStop.abort();
      await this.events.close();
      await this.http?.close();
      if (handleSignals) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    }
  }

  private async runControllers(): Promise<Outcome> {
    const stopRequested = whenAborted(this.stopRequest.signal).then((): Outcome => 'stop');
    const graceMs = this.options.gracefulShutdownTimeoutMs ?? 30_000;
    const election = this.options.leaderElection;
    if (election === undefined) {
      void this.startControllers(this.stopRequest.signal);
      await stopRequested;
      await this.stopControllers(graceMs);
      return 'stop';
    }
    const elector = new LeaderElector(
      { ...election, identity: this.identity },
      {
        store: apiLeaseStore(this.client, election.namespace, election.name),
        logger: this.logger,
        metrics: this.metrics,
      },
    );
    const electionStop = new AbortController();
    const leadershipLost = new AbortController();
    const startWhileLeading = linkSignals(this.stopRequest.signal, leadershipLost.signal).signal;
    const electionEnd = elector.run(electionStop.signal, () => {
      void this.startControllers(startWhileLeading);
    });
    // A lease lost at any time, graceful stop included, stops every reconcile at once.
    const lost = electionEnd.then(async (end) => {
      if (end === 'lost') {
        leadershipLost.abort();
        await this.stopControllers(0);
      }
      return end;
    });
    const outcome = await Promise.race([stopRequested, lost.then((): Outcome => 'lost')]);
    if (outcome === 'lost') return 'lost';
    await this.stopControllers(graceMs);
    electionStop.abort();
    if ((await lost) === 'lost') return 'lost';
    await elector.release();
    return 'stop';
  }

  /** Once every cache has synced, unless `signal` aborts first. */
  private async startControllers(signal: AbortSignal): Promise<void> {
    const synced = await Promise.all(this.informers.map((informer) => informer.waitForSync(signal)));
    if (signal.aborted || !synced.every(Boolean)) return;
    for (const controller of this.controllers) controller.start();
  }

  private async stopControllers(graceMs: number): Promise<void> {
    await Promise.all(this.controllers.map((controller) => controller.stop(graceMs)));
  }
}
