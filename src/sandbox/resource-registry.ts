import type { ResourceType } from './resource-type.js';

export interface GroupInfo {
  name: string;
  versions: string[];
  preferredVersion: string;
}

/** Every resource the sandbox serves: the built-ins plus whatever established CRDs add. */
export class ResourceRegistry {
  private readonly types: ResourceType[] = [];

  constructor(builtins: ResourceType[]) {
    this.types.push(...builtins);
  }

  all(): readonly ResourceType[] {
    return this.types;
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.plural === plural && t.versions.includes(version));
  }

  /** Resources served at one group/version (for discovery and OpenAPI). */
  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.versions.includes(version));
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.types.some((t) => t.group === group && t.versions.includes(version));
  }

  /** API groups in registration order (core excluded), each with its versions, preferred first. */
  groups(): GroupInfo[] {
    const groups = new Map<string, string[]>();
    for (const t of this.types) {
      if (t.group === '') continue;
      const versions = groups.get(t.group) ?? [];
      for (const v of t.versions) if (!versions.includes(v)) versions.push(v);
      groups.set(t.group, versions);
    }
    return [...groups.entries()].map(([name, versions]) => ({
      name,
      versions,
      preferredVersion: versions[0] as string,
    }));
  }

  /** Adds or replaces the resource a CRD defines. */
  upsert(type: ResourceType): void {
    const index = this.types.findIndex((t) => t.group === type.group && t.plural === type.plural);
    if (index >= 0) this.types[index] = type;
    else this.types.push(type);
  }

  remove(group: string, plural: string): void {
    const index = this.types.findIndex(
      (t) => t.group === group && t.plural === plural && t.crd !== undefined,
    );
    if (index >= 0) this.types.splice(index, 1);
  }
}
