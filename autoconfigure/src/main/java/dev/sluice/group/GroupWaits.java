package dev.sluice.group;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.sluice.deadline.Deadline;
import dev.sluice.deadline.DeadlineExceededException;

/**
 * The waits of a {@link TaskGroup}'s forking thread, bounded by the group's deadline: a
 * deadline that passes while it waits cancels the group, and so does an interrupt.
 */
final class GroupWaits {

	/**
	 * How long a fork waits for a slot before it looks again whether the group was
	 * cancelled meanwhile.
	 */
	private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	private final TaskGroup group;

	private final Deadline deadline;

	GroupWaits(TaskGroup group, Deadline deadline) {
		this.group = group;
		this.deadline = deadline;
	}

	/**
	 * Waits for a permit no longer than the deadline allows.
	 * @param semaphore where the permit comes from
	 * @param doing what the wait is for, for the exception's message
	 * @return {@code true} with the permit; {@code false} when the group was cancelled or
	 * its deadline passed (which cancels it) first
	 */
	boolean acquire(Semaphore semaphore, String doing) {
		try {
			while (!this.group.isCancelled()) {
				long wait = WAIT_SLICE_NANOS;
				if (this.deadline != null) {
					long left = this.deadline.remainingNanos();
					if (left <= 0) {
						this.group.cancel(new DeadlineExceededException(this.deadline.timeout()));
						return false;
					}
					wait = Math.min(wait, left);
				}
				if (semaphore.tryAcquire(wait, TimeUnit.NANOSECONDS)) {
					return true;
				}
			}
			return false;
		}
		catch (InterruptedException ex) {
			throw interrupted(ex, doing);
		}
	}

	/**
	 * Cancels the group for an interrupted waiter, keeps the flag, and says what to
	 * throw.
	 * @param ex the interrupt
	 * @param doing what the wait was for
	 * @return a {@link DeadlineExceededException} once the deadline has passed, else a
	 * {@link TaskGroupException}
	 */
	RuntimeException interrupted(InterruptedException ex, String doing) {
		RuntimeException thrown;
		if (this.deadline != null && this.deadline.isExpired()) {
			thrown = new DeadlineExceededException("Deadline passed while " + doing + " task group " + this.group.id(),
					this.deadline.timeout(), ex);
		}
		else {
			thrown = new TaskGroupException("Interrupted while " + doing + " task group " + this.group.id(), ex);
		}
		this.group.cancel(thrown);
		Thread.currentThread().interrupt();
		return thrown;
	}

}
