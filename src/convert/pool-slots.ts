/**
 * The shared Int32Array every task of one pool evaluation holds (src/convert/pool.ts, eval-worker.ts):
 * [DONE_SLOT] samples finished, added by the tasks after each batch; [CANCELLED_SLOT] 1 once a task
 * failed, checked by the others before each batch. Its own module so that the worker bundle does not
 * pull in the pool (and piscina).
 */
export const DONE_SLOT = 0, CANCELLED_SLOT = 1;
