// The producers one ClusterRegistration holds, one per place (brokers + registry topic) it sends to: the pool's
// handles, kept with the connection each was acquired for, so that a run acquires each place's producer once and a
// send never names its connection again.
import type { KafkaConnection, KafkaTransport, ProducerHandle } from '../kafka/index.js';
import type { Place } from './claims.js';

export class PlaceProducers {
  private readonly held = new Map<string, { conn: KafkaConnection; producer: ProducerHandle }>();

  /** `owner` names the object in the pool's bookkeeping (and its logs). */
  constructor(
    private readonly kafka: Pick<KafkaTransport, 'acquire'>,
    private readonly owner: string,
  ) {}

  /** The producer for `place`, bound to `conn`; a changed connection (a rotated Secret) moves it. */
  at(place: Place, conn: KafkaConnection): ProducerHandle {
    const held = this.held.get(place.key);
    if (held?.conn === conn) return held.producer;
    const producer = this.kafka.acquire(`${this.owner}@${place.key}`, conn);
    this.held.set(place.key, { conn, producer });
    return producer;
  }

  /** Lets go of every place but `keep`: the object moved, and its registration at `keep` was acknowledged. */
  releaseExcept(keep: Place): void {
    for (const [key, { producer }] of this.held) {
      if (key === keep.key) continue;
      this.held.delete(key);
      void producer.release();
    }
  }

  /** Lets go of them all; resolves once the producers nobody uses any more are closed. */
  async releaseAll(): Promise<void> {
    const held = [...this.held.values()];
    this.held.clear();
    await Promise.all(held.map(({ producer }) => producer.release()));
  }
}
