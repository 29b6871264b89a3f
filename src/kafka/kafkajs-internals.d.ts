// The one kafkajs internal the operator reaches into (src/kafka/request-queue.ts), typed as far as it is used.
declare module 'kafkajs/src/network/requestQueue/index.js' {
  export default class RequestQueue {
    pending: unknown[];
    throttledUntil: number;
    scheduleCheckPendingRequests: (this: RequestQueue) => void;
  }
}
