// `cluster-registry-operator uninstall-hook`: what the chart's pre-delete hook runs. It deletes the release's
// ClusterRegistrations and waits until the operator, still running at that point, has deregistered them and
// removed its finalizer. Were the operator removed first, the objects would hang in deletion for good. On
// timeout it names what is left, why (the Ready condition), and the ways out.
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConditionType,
  DELETION_POLICY_ANNOTATION,
  DeletionPolicy,
  FINALIZER,
  GROUP,
  PLURAL,
  VERSION,
  parseDuration,
} from '../api/index.js';
import { UsageError } from '../operator/config.js';
import {
  KubeClient,
  findCondition,
  isNotFound,
  listPages,
  type Condition,
  type KubeObject,
} from '../runtime/index.js';

export interface UninstallOptions {
  /** Absent: $KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  kubeconfig?: string;
  /** Which ClusterRegistrations belong to the release, e.g. app.kubernetes.io/instance=<release>. */
  selector: string;
  timeoutMs: number;
  /** How often the objects are listed while waiting. */
  pollIntervalMs: number;
}

export interface Output {
  info(line: string): void;
  error(line: string): void;
}

const DEFAULT_TIMEOUT = '5m';
const POLL_INTERVAL_MS = 1_000;
/** A progress line at most this often, so that a long wait is visible without flooding the Job's log. */
const PROGRESS_INTERVAL_MS = 10_000;

export function parseUninstallArgs(argv: string[], env: NodeJS.ProcessEnv): UninstallOptions {
  let values: { kubeconfig?: string; selector?: string; timeout: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        selector: { type: 'string' },
        timeout: { type: 'string', default: DEFAULT_TIMEOUT },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`uninstall-hook: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const selector = values.selector?.trim() ?? '';
  if (selector === '') {
    throw new UsageError(
      'uninstall-hook: --selector is required, e.g. --selector app.kubernetes.io/instance=<release>',
    );
  }
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(values.timeout);
  } catch (error) {
    throw new UsageError(
      `uninstall-hook: --timeout: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  const kubeconfig = values.kubeconfig ?? env.KUBECONFIG;
  return {
    ...(kubeconfig === undefined || kubeconfig === '' ? {} : { kubeconfig }),
    selector,
    timeoutMs,
    pollIntervalMs: POLL_INTERVAL_MS,
  };
}

interface Registration extends KubeObject {
  spec?: { clientId?: string };
  status?: { conditions?: Condition[] };
}

const COLLECTION = `/apis/${GROUP}/${VERSION}/${PLURAL}`;

/** Every page of the list; undefined when the API server does not know the kind (the CRD is gone). */
async function listRegistrations(
  client: KubeClient,
  selector: string | undefined,
): Promise<Registration[] | undefined> {
  const items: Registration[] = [];
  try {
    for await (const page of listPages<Registration>(client, {
      path: COLLECTION,
      query: { labelSelector: selector },
    })) {
      items.push(...page.items);
    }
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return items;
}

function describe(registration: Registration): string {
  const { name, finalizers = [], deletionTimestamp } = registration.metadata;
  const ready = findCondition(registration.status?.conditions, ConditionType.Ready);
  const parts = [
    deletionTimestamp === undefined ? 'not being deleted' : `deleting since ${deletionTimestamp}`,
    `finalizers [${finalizers.join(', ')}]`,
    ready === undefined
      ? 'no Ready condition (has the operator seen it?)'
      : `Ready=${ready.status} ${ready.reason}${ready.message === '' ? '' : `: ${ready.message}`}`,
  ];
  return `${name}: ${parts.join('; ')}`;
}

function names(registrations: readonly Registration[]): string {
  return registrations.map((registration) => registration.metadata.name).join(' ');
}

function nameSet(registrations: readonly Registration[]): Set<string> {
  return new Set(registrations.map((registration) => registration.metadata.name));
}

function whatToDo(left: readonly Registration[]): string[] {
  const objects = names(left);
  return [
    'What to do:',
    '  - The operator removes its finalizer once the broker acknowledges the tombstone. Fix what the Ready',
    '    condition above reports (the broker, the credentials, the topic), make sure the operator is running',
    '    (kubectl get pods -A -l app.kubernetes.io/component=operator), then run `helm uninstall` again.',
    '  - To let the objects go without deregistering (the control plane forgets the cluster once its',
    '    heartbeats stop), while the operator still runs:',
    `      kubectl annotate clusterregistration ${objects} ${DELETION_POLICY_ANNOTATION}=${DeletionPolicy.Orphan}`,
    '    and run `helm uninstall` again.',
    '  - To uninstall without this hook: delete the ClusterRegistrations first and wait until they are gone,',
    '      kubectl delete clusterregistrations --all',
    '    then `helm uninstall <release> --no-hooks`.',
  ];
}

/** The exit code: 0 when every selected ClusterRegistration is gone, 1 otherwise. */
export async function runUninstallHook(options: UninstallOptions, out: Output): Promise<number> {
  const client =
    options.kubeconfig === undefined
      ? KubeClient.fromDefaultConfig()
      : KubeClient.fromFile(options.kubeconfig);
  const deadline = Date.now() + options.timeoutMs;
  const { selector } = options;
  try {
    const selected = await listRegistrations(client, selector);
    if (selected === undefined) {
      out.info(`the ${PLURAL}.${GROUP} CRD is not installed: nothing to deregister`);
      return 0;
    }
    await warnAboutOthers(client, selector, selected, out);
    if (selected.length === 0) {
      out.info(`no ClusterRegistration matches ${selector}: nothing to deregister`);
      return 0;
    }
    for (const registration of selected) await deleteRegistration(client, registration, out);
    return await waitUntilGone(client, options, deadline, selected, out);
  } catch (error) {
    out.error(`uninstall-hook failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

async function deleteRegistration(
  client: KubeClient,
  registration: Registration,
  out: Output,
): Promise<void> {
  const { name, deletionTimestamp } = registration.metadata;
  const clientId = registration.spec?.clientId ?? '?';
  if (deletionTimestamp !== undefined) {
    out.info(`clusterregistration/${name} (clientId ${clientId}) is already being deleted`);
    return;
  }
  try {
    await client.request({ method: 'DELETE', path: `${COLLECTION}/${encodeURIComponent(name)}` });
    out.info(`deleted clusterregistration/${name} (clientId ${clientId}): deregistering`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Objects outside the selector that carry the finalizer hang in deletion once the operator is gone. */
async function warnAboutOthers(
  client: KubeClient,
  selector: string,
  selected: readonly Registration[],
  out: Output,
): Promise<void> {
  const ours = nameSet(selected);
  const others = ((await listRegistrations(client, undefined)) ?? []).filter(
    (registration) =>
      !ours.has(registration.metadata.name) && (registration.metadata.finalizers ?? []).includes(FINALIZER),
  );
  if (others.length === 0) return;
  out.error(
    `warning: ${others.length} ClusterRegistration(s) not matched by ${selector} carry the finalizer ${FINALIZER}: ` +
      `${names(others)}. Once the operator is uninstalled nothing removes it, and deleting them will hang. ` +
      `Delete them first while the operator runs (kubectl delete clusterregistration ${names(others)}), or keep the operator installed.`,
  );
}

async function waitUntilGone(
  client: KubeClient,
  options: UninstallOptions,
  deadline: number,
  selected: Registration[],
  out: Output,
): Promise<number> {
  let left = selected;
  let present = nameSet(left);
  let nextProgress = Date.now() + PROGRESS_INTERVAL_MS;
  let lastError: string;
  for (;;) {
    try {
      left = (await listRegistrations(client, options.selector)) ?? [];
      lastError = '';
    } catch (error) {
      // A passing API server hiccup must not fail an uninstall; only the deadline does.
      lastError = error instanceof Error ? error.message : String(error);
    }
    const now = nameSet(left);
    for (const name of present) if (!now.has(name)) out.info(`clusterregistration/${name} is gone`);
    present = now;
    if (lastError === '' && left.length === 0) {
      out.info(
        `all ${selected.length} ClusterRegistration(s) matching ${options.selector} are deregistered and gone`,
      );
      return 0;
    }
    if (Date.now() >= deadline) break;
    if (Date.now() >= nextProgress) {
      out.info(
        `waiting for ${left.length} ClusterRegistration(s) to be deregistered: ${names(left)}` +
          (lastError === '' ? '' : ` (last list failed: ${lastError})`),
      );
      nextProgress = Date.now() + PROGRESS_INTERVAL_MS;
    }
    await sleep(Math.min(options.pollIntervalMs, Math.max(0, deadline - Date.now())));
  }
  const seconds = Math.round(options.timeoutMs / 1000);
  out.error(
    `timed out after ${seconds}s: ${left.length} ClusterRegistration(s) matching ${options.selector} are still present:`,
  );
  for (const registration of left) out.error(`  ${describe(registration)}`);
  if (lastError !== '') out.error(`  (the last list failed: ${lastError})`);
  for (const line of whatToDo(left)) out.error(line);
  return 1;
}
