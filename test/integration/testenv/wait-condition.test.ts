// waitForCondition on an object whose `.status.conditions` is still null: kubectl's own wait fails at once there
// (`.status.conditions accessor error: <nil> is of the type <nil>`), as it did on a CustomResourceDefinition the
// API server had not written the Established condition of yet. A CRD of the test's own keeps the null, so the
// moment is not left to chance.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { waitForCondition } from '../../../hack/testenv/wait-condition.js';
import { onCleanup } from '../../support/cleanup.js';
import { kubectl, uniqueName } from '../../support/testenv.js';

test('waits while the conditions are null, until the condition is there', async (t) => {
  const group = `${uniqueName('w')}.testenv.example.com`;
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `gadgets.${group}` },
    spec: {
      group,
      scope: 'Cluster',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          // No status subresource, so the test writes the status with the object; a nullable list keeps the null.
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                status: {
                  type: 'object',
                  properties: {
                    conditions: {
                      type: 'array',
                      nullable: true,
                      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
  const created = await kubectl(['create', '-f', '-'], { stdin: JSON.stringify(crd) });
  assert.equal(created.code, 0, created.stderr);
  onCleanup(t, () => kubectl(['delete', 'crd', `gadgets.${group}`, '--wait=false']));
  const established = await waitForCondition(kubectl, `crd/gadgets.${group}`, 'Established', 30_000);
  assert.equal(established.code, 0, established.stderr);

  const gadget = (conditions: unknown) =>
    JSON.stringify({
      apiVersion: `${group}/v1`,
      kind: 'Gadget',
      metadata: { name: 'g' },
      status: { conditions },
    });
  const stored = await kubectl(['create', '-f', '-'], { stdin: gadget(null) });
  assert.equal(stored.code, 0, stored.stderr);
  const status = await kubectl(['get', `gadgets.${group}`, 'g', '-o', 'jsonpath={.status}']);
  assert.equal(status.stdout, '{"conditions":null}', 'the null is stored, as on a CRD just created');

  const waited = waitForCondition(kubectl, `gadgets.${group}/g`, 'Ready', 30_000);
  await delay(1_000);
  const ready = await kubectl(['replace', '-f', '-'], {
    stdin: gadget([{ type: 'Ready', status: 'True', reason: 'Done', message: '' }]),
  });
  assert.equal(ready.code, 0, ready.stderr);
  const result = await waited;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /condition met/);
});
