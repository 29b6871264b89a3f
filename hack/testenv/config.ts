import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface Credentials {
  username: string;
  password: string;
}

/** Chosen once per environment and kept, so a restart reuses its ports, data, users and trust. */
export interface EnvConfig {
  ports: {
    etcdClient: number;
    etcdPeer: number;
    apiserver: number;
    kafkaPlaintext: number;
    kafkaSaslPlaintext: number;
    kafkaSaslSsl: number;
    kafkaSsl: number;
    kafkaController: number;
  };
  kafkaClusterId: string;
  tokens: { admin: string; unprivileged: string };
  kafkaUsers: { plain: Credentials; scram: Credentials };
}

/**
 * A Kafka cluster id: 16 random bytes in URL-safe base64, drawn again when it starts with '-' as Kafka's own
 * Uuid.randomUuid() does, since kafka-storage would read such an id as an option.
 */
export function newKafkaClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function secret(): string {
  return randomBytes(18).toString('base64url');
}

export async function loadOrCreateConfig(stateDir: string): Promise<EnvConfig> {
  const path = join(stateDir, 'config.json');
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as EnvConfig;
  const config: EnvConfig = {
    ports: {
      etcdClient: await freePort(),
      etcdPeer: await freePort(),
      apiserver: await freePort(),
      kafkaPlaintext: await freePort(),
      kafkaSaslPlaintext: await freePort(),
      kafkaSaslSsl: await freePort(),
      kafkaSsl: await freePort(),
      kafkaController: await freePort(),
    },
    kafkaClusterId: newKafkaClusterId(),
    tokens: { admin: secret(), unprivileged: secret() },
    kafkaUsers: {
      plain: { username: 'plain-user', password: secret() },
      scram: { username: 'scram-user', password: secret() },
    },
  };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return config;
}
