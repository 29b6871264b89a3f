// For a missed target, what its profile says and what would close it. Each sentence is tied to a measured share
// of the profile, so it appears only while the measurement supports it.
import type { ProfileSummary } from './cpuprofile.js';
import { WITHOUT_IMAGE_FLAGS, type PhaseProfile } from './profile.js';
import { REGISTER_P99_GOAL_MS, type Results, type Target } from './results.js';
import { total } from './stats.js';

const MiB = 1024 * 1024;

/** Share (% of busy CPU) of the top functions whose name matches. */
export function share(summary: ProfileSummary, pattern: RegExp): number {
  return summary.topFunctions.filter((f) => pattern.test(f.name)).reduce((sum, f) => sum + f.percent, 0);
}

const TLS = /SecureContext|secure-context|_tls_wrap|_tls_common|TLSSocket/;
const COMPILE = /compileSourceTextModule|compileFunction|compileForInternalLoader/;
const GC = /^\(garbage collector\)/;

function cpuFindings(p: PhaseProfile, r: Results): string[] {
  const s = p.summary;
  const out: string[] = [];
  const tls = share(s, TLS);
  if (tls >= 5) {
    out.push(
      `- ${tls.toFixed(0)}% of the operator's busy CPU is spent opening TLS connections to the API server ` +
        "(`SecureContext`, `TLSSocket._init`, `_start`, `setSession` above): the operator's API client " +
        "(`src/runtime/kube/client.ts`) sends every request through the `https.Agent` that client-node's " +
        '`applyToHTTPSOptions` creates, and that agent has no keep-alive, so each request (finalizer patch, status ' +
        "patch, event) opens a new TCP and TLS connection and parses the kubeconfig's CA, certificate and key again. " +
        '**What would close it**: one keep-alive agent (`keepAlive: true`, a bounded `maxSockets`) with a ' +
        '`tls.createSecureContext` built once from the kubeconfig, reused for every request; that removes this share ' +
        'and a TLS handshake from every API call on the path to the record.' +
        (r.apiclient === undefined
          ? ''
          : ` Measured (the \`apiclient\` section below): one small GET takes ${r.apiclient.operatorClient.wallMs.p50.toFixed(2)} ms ` +
            `and ${r.apiclient.operatorClient.cpuMsPerRequest.toFixed(2)} ms of client CPU through the operator's client, ` +
            `${r.apiclient.keepAlive.wallMs.p50.toFixed(2)} ms and ${r.apiclient.keepAlive.cpuMsPerRequest.toFixed(2)} ms over a keep-alive connection.`),
    );
  }
  const gc = share(s, GC);
  if (gc >= 8) {
    out.push(`- ${gc.toFixed(0)}% is garbage collection: allocation per registration is worth cutting next.`);
  }
  const own = s.byPackage.find((b) => b.name.endsWith('.mjs') || b.name.startsWith('src/'));
  if (own !== undefined) {
    out.push(
      `- The operator's own code and its bundled dependencies (\`${own.name}\`) take ${own.percent.toFixed(0)}% of the ` +
        "busy CPU; node's built-in modules (sockets, TLS, HTTP) " +
        `${(s.byPackage.find((b) => b.name.startsWith('node '))?.percent ?? 0).toFixed(0)}%.`,
    );
  }
  return out;
}

const PATH =
  "- On the path from the create request to the record: the API server's watch event reaches the operator, " +
  'which patches the finalizer in (one API request), sends the record (acks=all), then patches the status and ' +
  'posts an event. Every process here shares two cores, so the tail also holds scheduling delay behind the API ' +
  'server, etcd and the broker.';

/** A registration's path in the legs the bench can time, in order. */
const LEGS = [
  {
    name: 'the create',
    span: "until the API server's ADDED event",
    owner: 'the API server, before the operator has seen the object',
  },
  {
    name: 'the reconcile and its finalizer PATCH',
    span: 'from that event to the finalizer being on',
    owner: 'the operator and one API request',
  },
  {
    name: 'the send',
    span: "from the finalizer to the record: acks=all and the consumer's fetch",
    owner: 'the operator and the broker',
  },
] as const;

/** Where the registrations over the goal lost their time, leg by leg, beside the others. */
function slowRegistrations(r: Results): string[] {
  const l = r.latency;
  const stages = l?.stages;
  if (l === undefined || stages === undefined) return [];
  const slowRows: number[][] = [];
  const restRows: number[][] = [];
  l.register.forEach((record, i) => {
    const seen = stages.seen[i] ?? 0;
    const finalized = stages.finalized[i] ?? 0;
    (record > REGISTER_P99_GOAL_MS ? slowRows : restRows).push([seen, finalized - seen, record - finalized]);
  });
  if (slowRows.length === 0) return [];
  const average = (rows: number[][], k: number): number =>
    rows.reduce((sum, row) => sum + (row[k] ?? 0), 0) / Math.max(1, rows.length);
  const legs = LEGS.map((leg, k) => ({ ...leg, slow: average(slowRows, k), rest: average(restRows, k) }));
  const worst = legs.reduce((a, b) => (b.slow - b.rest > a.slow - a.rest ? b : a));
  const everywhere = legs.every((leg) => leg.slow >= 1.5 * leg.rest);
  return [
    `- The ${slowRows.length} registrations over ${REGISTER_P99_GOAL_MS} ms spent on average ` +
      legs
        .map(
          (leg) =>
            `${leg.slow.toFixed(1)} ms in ${leg.name} (${leg.span}), against ${leg.rest.toFixed(1)} ms for the others`,
        )
        .join('; ') +
      `. The most extra time is in ${worst.name}: ${worst.owner}.` +
      (everywhere
        ? " Yet every stage took at least 1.5 times as long, the API server's alone included: the whole machine stalled " +
          '(every process shares its two cores), not one component.'
        : ''),
  ];
}

export function diagnose(target: Target, r: Results, profile: PhaseProfile | undefined): string[] {
  const out: string[] = [];
  switch (target.id) {
    case 'register-p99':
      out.push(PATH, ...slowRegistrations(r));
      break;
    case 'deregister-p99':
    case 'per-record-ratio':
      out.push(PATH);
      break;
    case 'scale-1000': {
      const p = r.scale?.points.find((x) => x.count === 1000);
      if (p !== undefined) {
        out.push(
          `- At N = 1,000 the operator used ${p.cpuSeconds.toFixed(1)} CPU seconds in ${(p.allRegisteredMs / 1000).toFixed(1)} s ` +
            `(${((p.cpuSeconds / (p.allRegisteredMs / 1000)) * 100).toFixed(0)}% of one core) with ` +
            `${p.apiRequestsPerRegistration.toFixed(1)} API requests per registration, and the bench's creates took ` +
            `${(p.createMs / 1000).toFixed(1)} s of the same two cores; the API server and etcd serve every one of those requests too.`,
        );
        const cpu = p.cpuByProcess;
        if (cpu !== undefined) {
          const wall = p.allRegisteredMs / 1000;
          const used = total(cpu);
          const cores = r.machine.cores;
          const ranked = Object.entries(cpu).sort((a, b) => b[1] - a[1]);
          const [top, topSeconds] = ranked[0] ?? ['', 0];
          const verdict =
            top === 'operator'
              ? 'The operator is the largest consumer: its CPU per registration is what to cut.'
              : `The operator is not the largest consumer; ${top} is (${((topSeconds * 1000) / p.count).toFixed(1)} ms per ` +
                'registration), so a faster operator alone cannot bring the run to the goal on this machine: the same ' +
                'work on more cores, or an API server and broker on machines of their own as in a real cluster, would.';
          out.push(
            `- Every process together used ${used.toFixed(1)} CPU s of the ${(wall * cores).toFixed(1)} s that ${cores} ` +
              `cores offer in those ${wall.toFixed(1)} s (${((used / (wall * cores)) * 100).toFixed(0)}%): ` +
              ranked.map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`).join(', ') +
              `. ${verdict}`,
          );
        }
        const plain = profile?.memoryVariants?.find((v) => v.variant === WITHOUT_IMAGE_FLAGS);
        if (plain !== undefined) {
          out.push(
            `- The image's Node flags trade CPU for memory (they keep the RSS target): without them the same run took ` +
              `${(plain.allRegisteredMs / 1000).toFixed(1)} s and ${plain.cpuSeconds.toFixed(1)} CPU s at a ` +
              `${(plain.peakRssBytes / MiB).toFixed(0)} MiB peak, against ${(p.allRegisteredMs / 1000).toFixed(1)} s, ` +
              `${p.cpuSeconds.toFixed(1)} CPU s and ${(p.peakRssBytes / MiB).toFixed(0)} MiB with them.`,
          );
        }
      }
      break;
    }
    case 'rss-1000': {
      const p = r.scale?.points.find((x) => x.count === 1000);
      const one = r.scale?.points.find((x) => x.count === 1);
      const heap = profile?.heap;
      if (p !== undefined && heap !== undefined) {
        out.push(
          `- Live heap (the snapshot, taken after a full collection): ${(heap.totalBytes / MiB).toFixed(1)} MiB; V8's ` +
            `heap in use before it: ${((p.heapUsedBytes ?? 0) / MiB).toFixed(1)} MiB; peak RSS ${(p.peakRssBytes / MiB).toFixed(1)} MiB: ` +
            "the objects the operator keeps are the smaller part; the rest is garbage not yet collected, V8's committed " +
            'but unused heap, compiled code, and native memory (TLS contexts, sockets, malloc arenas).',
        );
      }
      const bare = r.coldstart?.nodeBareRssBytes;
      const loaded = r.coldstart?.versionRssBytes;
      if (bare !== undefined && loaded !== undefined && loaded - bare > 20 * MiB) {
        const code = heap?.top.find((e) => e.name === '(code)');
        out.push(
          `- Loading the operator's code alone costs ${((loaded - bare) / MiB).toFixed(0)} MiB: \`--version\` peaks at ` +
            `${(loaded / MiB).toFixed(0)} MiB against ${(bare / MiB).toFixed(0)} MiB for a bare node, before any work` +
            (code === undefined
              ? '.'
              : `; compiled code is ${(code.bytes / MiB).toFixed(1)} MiB of the live heap at 1,000 objects.`) +
            ' Loading less at start-up (the bundle script lists the heaviest dependencies) is a larger lever than any ' +
            'per-object saving.',
        );
      }
      if (one !== undefined && one.peakRssBytes > 100 * MiB) {
        out.push(
          `- With one object the operator already peaks at ${(one.peakRssBytes / MiB).toFixed(0)} MiB, above the target ` +
            'before any per-object cost: the runtime footprint itself has to shrink.',
        );
      }
      const variants = profile?.memoryVariants ?? [];
      const best = [...variants].sort((a, b) => a.peakRssBytes - b.peakRssBytes)[0];
      if (best !== undefined && p !== undefined) {
        const saved = 1 - best.peakRssBytes / p.peakRssBytes;
        out.push(
          saved >= 0.1
            ? `- **What would close it, measured**: \`${best.variant}\` brings the peak to ${(best.peakRssBytes / MiB).toFixed(0)} MiB ` +
                `(${(saved * 100).toFixed(0)}% less) with all registered in ${(best.allRegisteredMs / 1000).toFixed(1)} s and ` +
                `${best.cpuSeconds.toFixed(1)} CPU s (defaults: ${(p.allRegisteredMs / 1000).toFixed(1)} s, ${p.cpuSeconds.toFixed(1)} s)` +
                (best.peakRssBytes > 100 * MiB
                  ? '; not enough alone: the live heap (the snapshot below) is what is left to shrink.'
                  : '.')
            : '- The memory settings tried above change the peak by less than 10%: the memory is not young-generation or ' +
                'malloc-arena slack but the live heap and the code loaded (the snapshot below says whose).',
        );
      }
      break;
    }
    case 'cold-start': {
      const c = r.coldstart;
      if (profile !== undefined) {
        const compile = share(profile.summary, COMPILE);
        if (compile >= 5) {
          out.push(
            `- ${compile.toFixed(0)}% of the start-up CPU is V8 compiling modules (\`compileSourceTextModule\`): ` +
              `the bundle is ${r.size?.bundleBytes === undefined ? 'large' : `${(r.size.bundleBytes / MiB).toFixed(1)} MiB`} ` +
              "of JavaScript, parsed in full before the first line runs. **What would close it**: Node 22's module " +
              'compile cache (`module.enableCompileCache()`, kept in the image) or leaving out code start-up never ' +
              "runs (most of client-node's generated API classes).",
          );
        }
      }
      if (c?.leader !== undefined) {
        out.push(
          `- Of the ${c.firstRecord.p50.toFixed(0)} ms to the first record, ${c.leader.p50.toFixed(0)} ms pass before the ` +
            `lease is held (\`--version\` alone, start-up and module load, takes ${c.versionMs.p50.toFixed(0)} ms).`,
        );
      }
      break;
    }
  }
  if (profile !== undefined) out.push(...cpuFindings(profile, r));
  return out;
}
