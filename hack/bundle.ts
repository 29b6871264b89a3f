// `npm run bundle`: the whole CLI (operator, `crd`, `uninstall-hook`) and its dependencies in one ESM file,
// dist/bundle/cluster-registry-operator.mjs, which runs with plain `node` and no node_modules. The image ships
// only this file on a Node base (see Dockerfile), so its size is the image's size beyond the base.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';
import { runtimeStage } from './image/dockerfile.js';
import { repoRoot } from './testenv/paths.js';

export const BUNDLE_FILE = join(repoRoot, 'dist', 'bundle', 'cluster-registry-operator.mjs');

/** Written beside the bundle: the npm packages in it (package-lock.json's keys), for the image's SBOM. */
export const bundlePackagesFile = (outfile: string) => outfile.replace(/\.mjs$/, '.packages.json');

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };

/** winston and kafkajs are CommonJS and `require()` Node's built-ins, which an ES module must be given. */
const REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * What client-node's config module imports for its fetch-based API clients, which the operator never uses: it
 * authenticates its own node:https requests with applyToHTTPSOptions(). The generated API clients (`gen/`,
 * thousands of models, most of the operator's memory) are needed only by makeApiClient(); undici only by the
 * dispatchers of applySecurityAuthentication(). The bundle gets stubs that fail loudly if that ever changes.
 */
const CLIENT_NODE_STUBS: { filter: RegExp; name: string; contents: string[] }[] = [
  {
    filter: /^\.\/gen\/index\.js$/,
    name: 'client-node API clients',
    contents: [
      'export const createConfiguration = missing;',
      'export class ServerConfiguration { constructor() { missing(); } }',
    ],
  },
  {
    filter: /^undici$/,
    name: 'undici',
    contents: [
      'export class Agent { constructor() { missing(); } }',
      'export class ProxyAgent { constructor() { missing(); } }',
    ],
  },
];

const withoutFetchClients: Plugin = {
  name: 'without-client-node-fetch-clients',
  setup(pluginBuild) {
    for (const [index, stub] of CLIENT_NODE_STUBS.entries()) {
      const namespace = `client-node-stub-${index}`;
      pluginBuild.onResolve({ filter: stub.filter }, (args) =>
        args.importer.includes('@kubernetes/client-node') ? { path: stub.name, namespace } : undefined,
      );
      pluginBuild.onLoad({ filter: /.*/, namespace }, () => ({
        contents: [
          `const missing = () => { throw new Error(${JSON.stringify(`not in this bundle: ${stub.name}`)}); };`,
          ...stub.contents,
        ].join('\n'),
        loader: 'js',
      }));
    }
  },
};

/**
 * Node's built-ins, when an ES module imports them, go through `require` instead. Node builds an ES module facade
 * for a built-in by reading every export, and node:http's exports include lazy getters (WebSocket, MessageEvent)
 * that load Node's own undici, with HTTP/2 and web streams: 4 MiB of the operator's idle RSS and 0.07 s of CPU
 * at start, for code it never calls (docs/benchmarks.md). esbuild's interop reads a CommonJS export only when it
 * is used.
 */
const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(pluginBuild) {
    const namespace = 'builtin-through-require';
    pluginBuild.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'import-statement' && isBuiltin(args.path) ? { path: args.path, namespace } : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/** The packages that weigh the most, from esbuild's metafile: where to look when the bundle grows. */
function heaviestPackages(metafile: Metafile, count: number): string[] {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match?.[1] ?? '(our sources)';
      bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, size]) => `${name} ${(size / 1024).toFixed(0)} KiB`);
}

/**
 * The Node flags the image starts the bundle with, read from the Dockerfile's ENTRYPOINT (`node FLAGS... BUNDLE`),
 * so that whatever runs the bundle as the image does (the bench, the bundle's tests) runs exactly what ships; with
 * imageEnvironment().
 */
export function imageNodeFlags(): string[] {
  const { entrypoint } = runtimeStage();
  if (!(entrypoint.at(-1) ?? '').endsWith('.mjs')) {
    throw new Error('Dockerfile: expected ENTRYPOINT ["node", ...flags, "/app/....mjs"] in exec form');
  }
  return entrypoint.slice(1, -1);
}

/** The Dockerfile's ENV lines, as the image's processes see them (on top of the environment they inherit). */
export function imageEnvironment(): Record<string, string> {
  return runtimeStage().env;
}

/** The npm packages esbuild put into the bundle, as package-lock.json names them (`node_modules/...`). */
function bundledPackages(metafile: Metafile): string[] {
  const paths = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match =
        /^(?:.*\/)?(node_modules\/(?:(?:@[^/]+\/)?[^/]+\/node_modules\/)*(?:@[^/]+\/)?[^/]+)\//.exec(path);
      if (match?.[1] !== undefined && bytesInOutput > 0) paths.add(match[1]);
    }
  }
  return [...paths].sort();
}

/** Tests bundle into a folder of their own, so that they never replace a file another process is running. */
export async function bundle(
  outfile: string = BUNDLE_FILE,
): Promise<{ bytes: number; gzipBytes: number; heaviest: string[]; packages: string[] }> {
  const result = await build({
    entryPoints: [join(repoRoot, 'src', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    // Licence comments of the bundled packages go to the end of the file, as their licences ask.
    legalComments: 'eof',
    banner: { js: REQUIRE_BANNER },
    // src/version.ts reads package.json unless this is defined; the bundle has no package.json beside it.
    define: { OPERATOR_VERSION: JSON.stringify(pkg.version) },
    metafile: true,
    plugins: [withoutFetchClients, builtinsThroughRequire],
    logLevel: 'warning',
  });
  const bytes = statSync(outfile).size;
  const gzipBytes = gzipSync(readFileSync(outfile)).length;
  const packages = bundledPackages(result.metafile);
  writeFileSync(bundlePackagesFile(outfile), `${JSON.stringify(packages, null, 2)}\n`);
  return { bytes, gzipBytes, heaviest: heaviestPackages(result.metafile, 6), packages };
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const { bytes, gzipBytes, heaviest } = await bundle();
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
  process.stdout.write(
    `wrote ${relative(repoRoot, BUNDLE_FILE)}: ${mib(bytes)} (${mib(gzipBytes)} gzipped)\n` +
      `heaviest: ${heaviest.join(', ')}\n`,
  );
}
