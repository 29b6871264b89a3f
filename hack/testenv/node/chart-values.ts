// What puts a pod on the environment's node, and the operator's chart there: the toleration of the node's taint
// (which keeps every other pod off it) and the locally imported image (never pulled). The tests, the in-cluster
// demo and the bench install the chart with these.
export interface Toleration {
  key: string;
  operator: 'Exists';
  effect: string;
}

/** The toleration a pod needs for a node tainted `key=value:Effect` (TESTENV_NODE_TAINT). */
export function toleration(taint: string): Toleration {
  const [key = '', effect = ''] = taint.split(/=[^:]*:/);
  return { key, operator: 'Exists', effect };
}

/** `--set` values for the chart: the image `reference` as imported into the node, tolerating `taint`. */
export function nodeChartValues(reference: string, taint: string): string[] {
  const at = reference.lastIndexOf(':');
  const tolerate = toleration(taint);
  return [
    `image.repository=${reference.slice(0, at)}`,
    `image.tag=${reference.slice(at + 1)}`,
    'image.pullPolicy=IfNotPresent',
    `tolerations[0].key=${tolerate.key}`,
    `tolerations[0].operator=${tolerate.operator}`,
    `tolerations[0].effect=${tolerate.effect}`,
  ];
}
