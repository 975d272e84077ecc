package dev.sluice.shutdown;

import java.util.concurrent.Callable;

/**
 * A task that was accepted by a worker pool but never completed because the application shut down: either it
 * never started, or it was interrupted at the end of the drain. Handed to every {@link AbandonedTaskHandler}.
 *
 * @param pool the name of the pool that accepted it
 * @param taskId the id it was submitted with
 * @param task the original {@link Runnable} or {@link Callable}, so it can be persisted or re-queued elsewhere
 * @param started whether it had started running before it was abandoned
 */
public record AbandonedTask(String pool, String taskId, Object task, boolean started) {

}
