// Column definitions every printer repeats, with upstream's descriptions (the swagger docs of
// metav1.ObjectMeta), so Table output matches a real API server's byte for byte.
import type { TableColumn } from './types.js'

export const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names'

export const creationTimestampDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata'

export const nameColumn: TableColumn = { name: 'Name', type: 'string', format: 'name', description: nameDescription, priority: 0 }

export const ageColumn: TableColumn = { name: 'Age', type: 'string', format: '', description: creationTimestampDescription, priority: 0 }

export const containersColumn: TableColumn = { name: 'Containers', type: 'string', format: '', description: 'Names of each container in the template.', priority: 1 }
export const imagesColumn: TableColumn = { name: 'Images', type: 'string', format: '', description: 'Images referenced by each container in the template.', priority: 1 }

/** A plain column (format ''), priority 0 unless `wide`. */
export function column(name: string, type: TableColumn['type'], description: string, wide = false): TableColumn {
  return { name, type, format: '', description, priority: wide ? 1 : 0 }
}
