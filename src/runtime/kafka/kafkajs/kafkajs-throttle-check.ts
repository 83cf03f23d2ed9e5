// kafkajs 2.2.4's request queue schedules its next throttle check `throttledUntil - now` ms
// ahead, also when it is not throttled (throttledUntil is then in the past, -1 at first): a
// negative timeout, which Node clamps to 1 ms and, from Node 24 on, reports on stderr as a
// TimeoutNegativeWarning, in every process that talks to Kafka. This schedules that one case
// with the 1 ms Node would use, and leaves every other case to kafkajs (see kafkajs-corrections.ts).

interface RequestQueueInternals {
  throttledUntil: number
  throttleCheckTimeoutId: NodeJS.Timeout | null
  pending: unknown[]
  checkPendingRequests(): void
  scheduleCheckPendingRequests(): void
}

/** Installs the clamp on kafkajs's RequestQueue class (Sluice's own copy of kafkajs only). */
export function clampThrottleCheck(requestQueue: { prototype: RequestQueueInternals }): void {
  const original = requestQueue.prototype.scheduleCheckPendingRequests
  if ((original as { sluiceClamped?: boolean }).sluiceClamped) return
  const clamped = function (this: RequestQueueInternals): void {
    if (!this.throttleCheckTimeoutId && this.pending.length === 0 && this.throttledUntil <= Date.now()) {
      this.throttleCheckTimeoutId = setTimeout(() => {
        this.throttleCheckTimeoutId = null
        this.checkPendingRequests()
      }, 1)
      return
    }
    original.call(this)
  }
  requestQueue.prototype.scheduleCheckPendingRequests = Object.assign(clamped, { sluiceClamped: true })
}
