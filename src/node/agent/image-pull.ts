// EnsureImageExists (upstream kuberuntime imageManager): the pull policy, the Pulling/Pulled
// events, and after a failed pull ErrImagePull, then ImagePullBackOff until the image's back-off
// (10 s doubling to 5 min, counted from the failure: IsInBackOffSinceUpdate) has passed.
import type { Container } from 'kubernetes-types/core/v1.js'
import type { Clock } from '../../lib/clock.js'
import type { PulledImage, Runtime } from '../runtime/types.js'
import { BackOff, type BackOffOptions } from './backoff.js'
import { msg, reasons } from './messages.js'

/** Where the pull's events go (the worker's sink, bound to the pod). */
export type PullEvent = (type: 'Normal' | 'Warning', reason: string, message: string) => void

export interface ImagePullDeps {
  runtime: Runtime
  /** Images pulled on this node (for IfNotPresent). */
  images: Map<string, PulledImage>
  clock(): Date
  /** Measures the pull (the Pulled event's duration). */
  timers: Clock
}

/** The image to run, or why the container waits (and whether a later sync should try again). */
export type PullResult = { image: PulledImage } | { waiting: { reason: string; message: string }; retry: boolean }

export class ImagePuller {
  private readonly backOff: BackOff

  constructor(private readonly deps: ImagePullDeps, backOff: BackOffOptions) {
    this.backOff = new BackOff(backOff)
  }

  async ensure(c: Container, event: PullEvent): Promise<PullResult> {
    const image = c.image ?? ''
    const policy = c.imagePullPolicy ?? 'IfNotPresent'
    const present = this.deps.images.get(image)
    if (policy === 'Never' || (policy === 'IfNotPresent' && present)) {
      if (present) {
        event('Normal', reasons.pulled, msg.alreadyPresent(image))
        return { image: present }
      }
      event('Warning', reasons.errImageNeverPull, msg.neverPull(image))
      return { waiting: { reason: reasons.errImageNeverPull, message: msg.neverPull(image) }, retry: false }
    }
    const key = `image:${image}`
    if (this.backOff.isInBackOffSinceUpdate(key, this.deps.clock().getTime())) {
      event('Normal', reasons.backOff, msg.backOffPull(image))
      event('Warning', reasons.failed, msg.error(reasons.imagePullBackOff))
      return { waiting: { reason: reasons.imagePullBackOff, message: msg.backOffPull(image) }, retry: true }
    }
    event('Normal', reasons.pulling, msg.pulling(image))
    const t0 = this.deps.timers.now()
    try {
      const pulled = await this.deps.runtime.pullImage(image)
      const ms = this.deps.timers.now() - t0
      this.deps.images.set(image, pulled)
      event('Normal', reasons.pulled, msg.pulled(image, ms, ms, pulled.size))
      // The entry stays (upstream keeps it until it expires): a failure soon after doubles it.
      return { image: pulled }
    } catch (err) {
      const text = (err as Error).message
      event('Warning', reasons.failed, msg.failedPull(image, text))
      const at = this.deps.clock().getTime()
      this.backOff.next(key, at, at)
      event('Warning', reasons.failed, msg.error(reasons.errImagePull))
      return { waiting: { reason: reasons.errImagePull, message: text }, retry: true }
    }
  }
}
