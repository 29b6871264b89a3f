// A kind of resource as the REST API addresses it, so that the runtime stays generic over what it watches.
import type { ObjectRef } from './object.js';

export interface ResourceType {
  /** '' for the core group (ConfigMap, Secret). */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/**
 * The REST path of a collection (no name), an object or one of its subresources. A namespaced type without a
 * namespace addresses every namespace.
 */
export function resourcePath(
  type: ResourceType,
  location: { namespace?: string | undefined; name?: string; subresource?: string } = {},
): string {
  const root = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const scope =
    type.namespaced && location.namespace !== undefined && location.namespace !== ''
      ? `/namespaces/${encodeURIComponent(location.namespace)}`
      : '';
  const name = location.name === undefined ? '' : `/${encodeURIComponent(location.name)}`;
  const subresource = location.subresource === undefined ? '' : `/${location.subresource}`;
  return `${root}${scope}/${type.plural}${name}${subresource}`;
}

export function objectPath(type: ResourceType, ref: ObjectRef, subresource?: string): string {
  return resourcePath(type, {
    namespace: ref.namespace,
    name: ref.name,
    ...(subresource === undefined ? {} : { subresource }),
  });
}
