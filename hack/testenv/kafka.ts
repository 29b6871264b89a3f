import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { EnvConfig } from './config.js';
import { run } from './exec.js';
import type { Pki } from './pki.js';
import { startProcess, waitReady, type ProcessRecord } from './processes.js';
import { kafkaReleases, type KafkaVersion } from './versions.js';

export const KAFKA = 'kafka';

/** The control plane's topics, created as it has them: the registry compacted, heartbeats deleted by age. */
export const defaultTopics = [
  { topic: 'cluster.registry', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
  { topic: 'cluster.heartbeat', configEntries: [{ name: 'cleanup.policy', value: 'delete' }] },
];

export function kafkaAddresses(config: EnvConfig) {
  const at = (port: number) => `127.0.0.1:${port}`;
  return {
    plaintext: at(config.ports.kafkaPlaintext),
    saslPlaintext: at(config.ports.kafkaSaslPlaintext),
    saslSsl: at(config.ports.kafkaSaslSsl),
    ssl: at(config.ports.kafkaSsl),
  };
}

/** A listener beyond the loopback ones (the node's pods reach these): bound on loopback, advertised elsewhere. */
export interface ExtraListener {
  name: string;
  protocol: 'PLAINTEXT' | 'SASL_SSL';
  port: number;
  advertisedHost: string;
}

/** A version's data of its own: a 4.x broker must not start on a log a 3.9 broker formatted, nor the reverse. */
function dataDir(stateDir: string, version: KafkaVersion): string {
  return join(stateDir, 'kafka', `data-${version}`);
}

function serverProperties(
  stateDir: string,
  version: KafkaVersion,
  config: EnvConfig,
  pki: Pki,
  extra: ExtraListener[],
): string {
  const p = config.ports;
  const { plain } = config.kafkaUsers;
  const listeners = `PLAINTEXT://127.0.0.1:${p.kafkaPlaintext},SASL_PLAINTEXT://127.0.0.1:${p.kafkaSaslPlaintext},SASL_SSL://127.0.0.1:${p.kafkaSaslSsl},SSL://127.0.0.1:${p.kafkaSsl}`;
  const bound = extra.map((l) => `,${l.name}://127.0.0.1:${l.port}`).join('');
  const advertised = extra.map((l) => `,${l.name}://${l.advertisedHost}:${l.port}`).join('');
  const protocols = extra.map((l) => `,${l.name}:${l.protocol}`).join('');
  const jaas = (listener: string) => [
    `listener.name.${listener}.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${plain.username}="${plain.password}";`,
    `listener.name.${listener}.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    `listener.name.${listener}.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
  ];
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${p.kafkaController}`,
    `listeners=${listeners}${bound},CONTROLLER://127.0.0.1:${p.kafkaController}`,
    `advertised.listeners=${listeners}${advertised}`,
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,CONTROLLER:PLAINTEXT${protocols}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    ...jaas('sasl_plaintext'),
    ...jaas('sasl_ssl'),
    ...extra.filter((l) => l.protocol === 'SASL_SSL').flatMap((l) => jaas(l.name.toLowerCase())),
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${pki.serverKeystore}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${pki.caCert}`,
    // The SSL listener is the mutual-TLS one: a client certificate signed by the environment's CA is required.
    'listener.name.ssl.ssl.client.auth=required',
    `log.dirs=${dataDir(stateDir, version)}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Topics exist because someone created them, as on the real control plane; a typo must not invent one.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

/** Warnings only, but the lines that say the broker started; 3.x logs through log4j 1, 4.x through log4j2. */
const loggingConfig = {
  log4j: {
    file: 'log4j.properties',
    property: 'log4j.configuration',
    text: [
      'log4j.rootLogger=WARN, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.kafka.server.KafkaRaftServer=INFO',
      'log4j.logger.kafka.server.BrokerServer=INFO',
    ],
  },
  log4j2: {
    file: 'log4j2.properties',
    property: 'log4j2.configurationFile',
    text: [
      'appender.stdout.type=Console',
      'appender.stdout.name=STDOUT',
      'appender.stdout.layout.type=PatternLayout',
      'appender.stdout.layout.pattern=[%d] %p %m (%c)%n',
      'rootLogger.level=WARN',
      'rootLogger.appenderRef.stdout.ref=STDOUT',
      'logger.raft.name=kafka.server.KafkaRaftServer',
      'logger.raft.level=INFO',
      'logger.broker.name=kafka.server.BrokerServer',
      'logger.broker.level=INFO',
    ],
  },
} as const;

function logging(version: KafkaVersion) {
  return loggingConfig[kafkaReleases[version].logging];
}

function javaArgs(
  kafkaLibs: string,
  version: KafkaVersion,
  stateDir: string,
  mainClass: string,
  args: string[],
): string[] {
  const { file, property } = logging(version);
  return [
    '-Xms128m',
    '-Xmx512m',
    // A test broker: C1 only starts faster and uses less CPU on two cores.
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-D${property}=file:${join(stateDir, 'kafka', file)}`,
    '-cp',
    `${kafkaLibs}/*`,
    mainClass,
    ...args,
  ];
}

export async function startKafka(
  stateDir: string,
  kafkaLibs: string,
  version: KafkaVersion,
  config: EnvConfig,
  pki: Pki,
  extraListeners: ExtraListener[] = [],
): Promise<ProcessRecord> {
  const dir = join(stateDir, 'kafka');
  mkdirSync(dir, { recursive: true });
  const properties = join(dir, 'server.properties');
  writeFileSync(properties, serverProperties(stateDir, version, config, pki, extraListeners), {
    mode: 0o600,
  });
  const { file, text } = logging(version);
  writeFileSync(join(dir, file), `${text.join('\n')}\n`);
  if (!existsSync(join(dataDir(stateDir, version), 'meta.properties'))) {
    // KRaft keeps SCRAM credentials in its metadata log; they are seeded when the storage is formatted.
    const { scram } = config.kafkaUsers;
    await run(
      'java',
      javaArgs(kafkaLibs, version, stateDir, 'kafka.tools.StorageTool', [
        'format',
        '-t',
        config.kafkaClusterId,
        '-c',
        properties,
        '--ignore-formatted',
        '--add-scram',
        `SCRAM-SHA-256=[name=${scram.username},password=${scram.password}]`,
        '--add-scram',
        `SCRAM-SHA-512=[name=${scram.username},password=${scram.password}]`,
      ]),
    );
  }
  const record = startProcess(
    stateDir,
    KAFKA,
    'java',
    javaArgs(kafkaLibs, version, stateDir, 'kafka.Kafka', [properties]),
  );
  const kafka = new Kafka({
    clientId: 'testenv',
    brokers: [kafkaAddresses(config).plaintext],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  });
  await waitReady(
    record,
    async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.createTopics({ topics: defaultTopics, waitForLeaders: true });
        return true;
      } finally {
        await admin.disconnect();
      }
    },
    90_000,
  );
  return record;
}
