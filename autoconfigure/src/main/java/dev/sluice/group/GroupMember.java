package dev.sluice.group;

import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;

import dev.sluice.core.RunningTasks;
import dev.sluice.core.TaskContext;
import dev.sluice.deadline.Deadline;
import io.micrometer.observation.Observation;

/**
 * One subtask of a {@link TaskGroup}: its state, its result, and the thread it runs on
 * while it runs. The thread is set and cleared under the group's lock, so the group's
 * interrupt reaches it only while it runs.
 *
 * @param <T> the result type
 */
final class GroupMember<T> implements Subtask<T>, Runnable {

	private static final TaskContext CONTEXT = TaskContext.all();

	/**
	 * The subtask running on this thread, if any: a fork from inside a subtask may run
	 * inline.
	 */
	private static final ThreadLocal<GroupMember<?>> CURRENT = new ThreadLocal<>();

	private final TaskGroup group;

	private final String id;

	private final Callable<T> task;

	private final Semaphore slots;

	private final TaskContext.Snapshot context = CONTEXT.capture();

	private final Observation forker;

	private volatile Subtask.State state = Subtask.State.RUNNING;

	private volatile T value;

	private volatile Throwable exception;

	/**
	 * Guarded by the group's lock: set only while the task runs, so an interrupt never
	 * reaches later work.
	 */
	private Thread thread;

	GroupMember(TaskGroup group, String id, Callable<T> task, Semaphore slots) {
		this.group = group;
		this.id = id;
		this.task = task;
		this.slots = slots;
		this.forker = group.observations().getCurrentObservation();
	}

	/**
	 * Whether the current thread runs a subtask.
	 * @return {@code true} inside a subtask
	 */
	static boolean insideSubtask() {
		return CURRENT.get() != null;
	}

	@Override
	public void run() {
		if (!this.group.startRunning(this)) {
			finish(Subtask.State.CANCELLED, null, null);
			return;
		}
		GroupMember<?> outer = CURRENT.get();
		CURRENT.set(this);
		T result = null;
		Throwable thrown = null;
		Observation observation = GroupObservations.startSubtask(this.group.observations(), this.forker,
				this.group.id(), this.id);
		Deadline deadline = this.group.deadline().orElse(null);
		try (TaskContext.Scope context = this.context.restore();
				Observation.Scope observing = observation.openScope();
				RunningTasks.Running registered = this.group.runningTasks().start("task-group", this.id);
				Deadline.Scope scope = (deadline != null) ? deadline.attach() : Deadline.detach()) {
			result = this.task.call();
		}
		catch (Throwable ex) {
			thrown = ex;
		}
		finally {
			if (outer != null) {
				CURRENT.set(outer);
			}
			else {
				CURRENT.remove();
			}
		}
		boolean cancelledMeanwhile = this.group.stopRunning(this);
		// No interrupt of this group can reach the thread from here on; clear one that
		// arrived, so a pooled
		// thread starts its next subtask clean.
		Thread.interrupted();
		Subtask.State failed = cancelledMeanwhile ? Subtask.State.CANCELLED : Subtask.State.FAILED;
		Subtask.State outcome = (thrown != null) ? failed : Subtask.State.SUCCESS;
		GroupObservations.stopSubtask(observation, outcome, thrown);
		finish(outcome, result, thrown);
	}

	/**
	 * Runs on the forking subtask's thread. An interrupt meant for that outer subtask may
	 * have been consumed (or cleared) by this one, so it is restored when the outer group
	 * is cancelled.
	 */
	void runInline() {
		boolean wasInterrupted = Thread.currentThread().isInterrupted();
		run();
		GroupMember<?> outer = CURRENT.get();
		if (wasInterrupted || (outer != null && outer.group.isCancelled())) {
			Thread.currentThread().interrupt();
		}
	}

	/** Called under the group's lock. */
	void setThread(Thread thread) {
		this.thread = thread;
	}

	/** Called under the group's lock. */
	void interrupt() {
		if (this.thread != null) {
			this.thread.interrupt();
		}
	}

	void neverStarted() {
		this.state = Subtask.State.CANCELLED;
		release();
	}

	void finish(Subtask.State outcome, T result, Throwable thrown) {
		this.value = result;
		this.exception = thrown;
		release(); // before the state is published: a finished subtask no longer holds a
					// slot
		this.group.finished(this, outcome, thrown);
	}

	/** Called under the group's lock, by {@link TaskGroup#finished}. */
	void settle(Subtask.State outcome) {
		this.state = outcome;
	}

	void release() {
		if (this.slots != null) {
			this.slots.release();
		}
	}

	@Override
	public String id() {
		return this.id;
	}

	@Override
	public Subtask.State state() {
		return this.state;
	}

	@Override
	public T get() {
		Subtask.State now = this.state;
		if (now != Subtask.State.SUCCESS) {
			throw new IllegalStateException("Subtask " + this.id + " has no result: it is " + now
					+ ((now == Subtask.State.RUNNING) ? " (call join() first)" : ""), this.exception);
		}
		return this.value;
	}

	@Override
	public Throwable exception() {
		return this.exception;
	}

	@Override
	public String toString() {
		return "Subtask[" + this.id + ", " + this.state + "]";
	}

}
