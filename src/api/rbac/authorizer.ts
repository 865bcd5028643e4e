// The RBAC authorizer of the API server: every request of a user outside system:masters is decided
// here from the Roles, ClusterRoles and their bindings in the store, as upstream's RBACAuthorizer
// with its listers. The objects are re-read only when the store has moved on since the last read.
import type { StoredObject } from '../../apis/meta.js'
import type { ResourceStore } from '../../registry/rest.js'
import { authorize, rulesFor, type Attributes, type Binding, type Decision, type Policy, type PolicyRule, type Role, type User } from '../../apis/rbac/rules.js'

export interface PolicyStores {
  roles: ResourceStore
  clusterRoles: ResourceStore
  roleBindings: ResourceStore
  clusterRoleBindings: ResourceStore
  /** The store's current revision: the snapshot is reused while it is unchanged. */
  revision(): Promise<number>
}

class Snapshot implements Policy {
  private readonly crbs: Binding[]
  private readonly rbs = new Map<string, Binding[]>()
  private readonly crs = new Map<string, Role>()
  private readonly rs = new Map<string, Role>()

  constructor(roles: StoredObject[], clusterRoles: StoredObject[], roleBindings: StoredObject[], clusterRoleBindings: StoredObject[]) {
    this.crbs = clusterRoleBindings as unknown as Binding[]
    for (const b of roleBindings as unknown as Binding[]) {
      const ns = b.metadata.namespace ?? ''
      const list = this.rbs.get(ns) ?? []
      list.push(b)
      this.rbs.set(ns, list)
    }
    for (const r of clusterRoles as unknown as Role[]) this.crs.set(r.metadata.name ?? '', r)
    for (const r of roles as unknown as Role[]) this.rs.set(`${r.metadata.namespace}/${r.metadata.name}`, r)
  }

  clusterRoleBindings(): Binding[] {
    return this.crbs
  }
  roleBindings(namespace: string): Binding[] {
    return this.rbs.get(namespace) ?? []
  }
  clusterRole(name: string): Role | undefined {
    return this.crs.get(name)
  }
  role(namespace: string, name: string): Role | undefined {
    return this.rs.get(`${namespace}/${name}`)
  }
}

export class RbacAuthorizer {
  private cached?: { revision: number; policy: Promise<Policy> }

  constructor(private readonly stores: PolicyStores) {}

  /** The roles and bindings now. */
  async policy(): Promise<Policy> {
    const revision = await this.stores.revision()
    if (this.cached?.revision !== revision) {
      const s = this.stores
      const all = (rs: ResourceStore) => rs.list(undefined).then((r) => r.items)
      const policy = Promise.all([all(s.roles), all(s.clusterRoles), all(s.roleBindings), all(s.clusterRoleBindings)]).then(([a, b, c, d]) => new Snapshot(a, b, c, d))
      this.cached = { revision, policy }
      policy.catch(() => {
        if (this.cached?.policy === policy) this.cached = undefined
      })
    }
    return this.cached.policy
  }

  async authorize(attrs: Attributes): Promise<Decision> {
    return authorize(await this.policy(), attrs)
  }

  /** The rules a user holds in a namespace (cluster-wide ones included): upstream's RulesFor. */
  async rulesFor(user: User, namespace: string | undefined): Promise<PolicyRule[]> {
    return rulesFor(await this.policy(), user, namespace)
  }
}
