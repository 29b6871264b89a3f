// A fix for kafkajs 2.2.4, its last release: every broker connection's request queue re-arms a timer of
// `throttledUntil - Date.now()` ms after each check, which is negative unless the broker throttles us. Node clamps
// it to 1 ms, so each idle connection checks an empty queue a thousand times a second, for as long as it lives
// (kafkajs issues #1704 and #1751; Node 24 also warns TimeoutNegativeWarning). Nothing needs a check while the queue
// is empty and unthrottled: push() checks when a request arrives, and a throttle still schedules its own.
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';

const original = RequestQueue.prototype.scheduleCheckPendingRequests;

RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(
  this: RequestQueue,
) {
  if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
  original.call(this);
};
