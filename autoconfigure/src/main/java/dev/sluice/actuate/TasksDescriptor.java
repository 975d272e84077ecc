package dev.sluice.actuate;

import java.util.Arrays;
import java.util.List;

import dev.sluice.core.RunningTasks;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

/**
 * Every task running now on a Sluice pool or task group, with its stack: the goroutine
 * dump for leak hunting, virtual threads included.
 *
 * @param tasks the running tasks, oldest first
 */
public record TasksDescriptor(List<TaskDescriptor> tasks) implements OperationResponseBody {

	static TasksDescriptor of(RunningTasks runningTasks) {
		return new TasksDescriptor(runningTasks.snapshot().stream().map(TaskDescriptor::of).toList());
	}

	/**
	 * One running task.
	 *
	 * @param id the task id
	 * @param pool the pool name, or {@code task-group} for a subtask
	 * @param ageMillis how long it has been running
	 * @param thread the name of the thread running it
	 * @param virtual whether that thread is a virtual thread
	 * @param state the thread's state
	 * @param stackTrace the thread's stack, innermost frame first
	 */
	public record TaskDescriptor(String id, String pool, long ageMillis, String thread, boolean virtual,
			Thread.State state, List<String> stackTrace) {

		static TaskDescriptor of(RunningTasks.Running running) {
			Thread thread = running.thread();
			List<String> stack = Arrays.stream(thread.getStackTrace()).map(StackTraceElement::toString).toList();
			return new TaskDescriptor(running.taskId(), running.owner(), running.age().toMillis(), thread.getName(),
					isVirtual(thread), thread.getState(), stack);
		}

		// Thread.isVirtual() is Java 21 API; the class name tells the same on every JDK
		// this runs on.
		private static boolean isVirtual(Thread thread) {
			return thread.getClass().getName().equals("java.lang.VirtualThread");
		}

	}

}
