package dev.sluice.group;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import dev.sluice.core.RunningTasks;
import dev.sluice.deadline.Deadline;
import dev.sluice.deadline.DeadlineExceededException;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * A group of related subtasks with the semantics of Go's {@code errgroup.WithContext}:
 * the first failure cancels every other subtask (by interrupt) and is what
 * {@link #join()} throws; {@link #limit(int)} bounds how many run at once; closing the
 * group cancels and waits for whatever still runs, so no subtask outlives it. Opened from
 * the {@link TaskGroups} bean; subtasks run with the forking thread's context (MDC,
 * observation and tracing span, every registered {@code ThreadLocalAccessor}'s value,
 * through Micrometer context-propagation) and the group's {@link Deadline} attached. Each
 * subtask is an observation named {@value #SUBTASK_OBSERVATION}, and each {@link #join()}
 * one named {@value #JOIN_OBSERVATION}, both children of the forking thread's current
 * observation, with the key {@code outcome}.
 * <p>
 * The package documentation sets errgroup and this class side by side and says where Java
 * differs from Go: forks after a failure, results, interrupts, the deadline and threads.
 *
 * @see dev.sluice.group
 */
public final class TaskGroup implements AutoCloseable {

	/**
	 * Name of the observation of each subtask's run; {@code outcome} is success, failed
	 * or cancelled.
	 */
	public static final String SUBTASK_OBSERVATION = "sluice.task_group.subtask";

	/**
	 * Name of the observation of each {@link #join()}; {@code outcome} is success,
	 * failed, deadline_exceeded or interrupted.
	 */
	public static final String JOIN_OBSERVATION = "sluice.task_group.join";

	private final String id;

	private final Deadline deadline;

	private final SubtaskThreads threads;

	private final RunningTasks runningTasks;

	private final ObservationRegistry observations;

	private final Consumer<TaskGroup> onClose;

	private final GroupWaits waits;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition finished = this.lock.newCondition();

	private final Set<GroupMember<?>> running = new HashSet<>();

	private final AtomicInteger forks = new AtomicInteger();

	private volatile Semaphore limit;

	private Throwable failure;

	private volatile boolean cancelled;

	private boolean closed;

	TaskGroup(String id, Deadline deadline, SubtaskThreads threads, RunningTasks runningTasks,
			ObservationRegistry observations, Consumer<TaskGroup> onClose) {
		this.id = id;
		this.deadline = deadline;
		this.threads = threads;
		this.runningTasks = runningTasks;
		this.observations = observations;
		this.onClose = onClose;
		this.waits = new GroupWaits(this, deadline);
	}

	/**
	 * The group's id, the prefix of its subtasks' ids.
	 * @return the id
	 */
	public String id() {
		return this.id;
	}

	/**
	 * The group's deadline: the request's, or a tighter one from
	 * {@link TaskGroups#open(java.time.Duration)}.
	 * @return the deadline, if any
	 */
	public Optional<Deadline> deadline() {
		return Optional.ofNullable(this.deadline);
	}

	/**
	 * Whether the group was cancelled: by a failure, its deadline, {@link #close()} or
	 * shutdown.
	 * @return {@code true} once cancelled
	 */
	public boolean isCancelled() {
		return this.cancelled;
	}

	/**
	 * Bounds how many subtasks run at once (errgroup's {@code SetLimit}); {@link #fork}
	 * then blocks for a slot.
	 * @param n the most subtasks running at once, at least 1
	 * @return this group
	 * @throws IllegalArgumentException if {@code n} is less than 1
	 * @throws IllegalStateException if subtasks are running
	 */
	public TaskGroup limit(int n) {
		if (n < 1) {
			throw new IllegalArgumentException("limit must be at least 1, was " + n);
		}
		this.lock.lock();
		try {
			if (!this.running.isEmpty()) {
				throw new IllegalStateException("limit(n) must be set while no subtask is running");
			}
			this.limit = new Semaphore(n);
		}
		finally {
			this.lock.unlock();
		}
		return this;
	}

	/**
	 * Starts a subtask (errgroup's {@code Go}), waiting for a slot when
	 * {@link #limit(int)} subtasks are running. If the group is cancelled, or its
	 * deadline passes while this waits, the subtask never starts and is returned
	 * {@link Subtask.State#CANCELLED}; {@link #join()} then throws the reason.
	 * @param <T> the result type
	 * @param task the subtask
	 * @return the subtask, to read after {@link #join()}
	 * @throws TaskGroupException if this thread was interrupted while waiting (the group
	 * is then cancelled and the interrupt flag kept)
	 * @throws DeadlineExceededException if interrupted while waiting and the deadline has
	 * passed
	 * @throws IllegalStateException if the group is closed
	 */
	public <T> Subtask<T> fork(Callable<T> task) {
		Semaphore slots = this.limit;
		if (slots != null && !this.waits.acquire(slots, "forking in")) {
			return neverStarted(task);
		}
		return start(task, slots);
	}

	/**
	 * Starts a subtask only if a slot is free (errgroup's {@code TryGo}): returns empty
	 * exactly when {@link #limit(int)} subtasks are running. Like {@link #fork}, it
	 * returns a {@link Subtask.State#CANCELLED} subtask once the group is cancelled.
	 * @param <T> the result type
	 * @param task the subtask
	 * @return the subtask, or empty when {@link #limit(int)} subtasks are running
	 * @throws IllegalStateException if the group is closed
	 */
	public <T> Optional<Subtask<T>> tryFork(Callable<T> task) {
		Semaphore slots = this.limit;
		if (slots != null && !slots.tryAcquire()) {
			return Optional.empty();
		}
		return Optional.of(start(task, slots));
	}

	/**
	 * Waits for every subtask (errgroup's {@code Wait}) and throws the first failure:
	 * unchecked exceptions and errors as they are, checked ones wrapped in
	 * {@link TaskGroupException}. When the group's deadline passes first, running
	 * subtasks are interrupted, and once they have ended this throws
	 * {@link DeadlineExceededException}.
	 * @throws DeadlineExceededException if the deadline passed before the subtasks
	 * finished
	 * @throws TaskGroupException if a subtask threw a checked exception, or this thread
	 * was interrupted (the group is then cancelled and the interrupt flag kept)
	 */
	public void join() {
		GroupObservations.join(this.observations, this.id, () -> {
			awaitSubtasks();
			rethrow();
		});
	}

	private void awaitSubtasks() {
		this.lock.lock();
		try {
			while (!this.running.isEmpty()) {
				if (this.deadline != null && !this.cancelled) {
					long left = this.deadline.remainingNanos();
					if (left <= 0) {
						cancelLocked(new DeadlineExceededException(this.deadline.timeout()));
						continue;
					}
					this.finished.awaitNanos(left);
				}
				else {
					this.finished.await();
				}
			}
		}
		catch (InterruptedException ex) {
			throw this.waits.interrupted(ex, "joining");
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Cancels whatever still runs (interrupt) and waits for it to end, however long that
	 * takes; after this no subtask of the group is running. An interrupt while waiting is
	 * kept for after. Called by try-with-resources.
	 */
	@Override
	public void close() {
		boolean interrupted = false;
		this.lock.lock();
		try {
			if (this.closed) {
				return;
			}
			cancelLocked(null);
			while (!this.running.isEmpty()) {
				try {
					this.finished.await();
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
			this.closed = true;
		}
		finally {
			this.lock.unlock();
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
		this.onClose.accept(this);
	}

	/**
	 * Cancels the group: subtasks not yet started never start, running ones are
	 * interrupted.
	 * @param cause what {@link #join()} should throw; {@code null} to leave it as it is
	 */
	void cancel(@Nullable Throwable cause) {
		this.lock.lock();
		try {
			cancelLocked(cause);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits, for shutdown, until no subtask runs or the timeout passes.
	 * @param timeoutNanos how long to wait
	 * @return the subtasks still running, normally none
	 * @throws InterruptedException if interrupted
	 */
	int awaitQuiet(long timeoutNanos) throws InterruptedException {
		long left = timeoutNanos;
		this.lock.lock();
		try {
			while (!this.running.isEmpty() && left > 0) {
				left = this.finished.awaitNanos(left);
			}
			return this.running.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	private void cancelLocked(Throwable cause) {
		if (this.cancelled) {
			return;
		}
		this.failure = cause;
		this.cancelled = true;
		for (GroupMember<?> member : this.running) {
			member.interrupt();
		}
	}

	private <T> Subtask<T> start(Callable<T> task, Semaphore slots) {
		GroupMember<T> member = new GroupMember<>(this, nextId(), task, slots);
		this.lock.lock();
		try {
			if (this.closed) {
				member.release();
				throw new IllegalStateException("Task group " + this.id + " is closed");
			}
			if (this.cancelled) {
				member.neverStarted();
				return member;
			}
		}
		finally {
			this.lock.unlock();
		}
		boolean inline = false;
		Semaphore threadSlots = this.threads.slots();
		if (threadSlots != null && !threadSlots.tryAcquire()) {
			if (GroupMember.insideSubtask()) {
				inline = true; // a subtask's fork with every pool thread busy: waiting
								// here could deadlock
			}
			else if (!this.waits.acquire(threadSlots, "waiting for a thread in")) {
				member.neverStarted();
				return member;
			}
		}
		this.lock.lock();
		try {
			if (this.cancelled || this.closed) {
				if (!inline && threadSlots != null) {
					threadSlots.release();
				}
				member.neverStarted();
				return member;
			}
			this.running.add(member);
		}
		finally {
			this.lock.unlock();
		}
		if (inline) {
			member.runInline();
			return member;
		}
		try {
			this.threads.execute(member);
		}
		catch (RejectedExecutionException ex) {
			member.finish(Subtask.State.CANCELLED, null, ex);
			throw ex;
		}
		return member;
	}

	private <T> Subtask<T> neverStarted(Callable<T> task) {
		GroupMember<T> member = new GroupMember<>(this, nextId(), task, null);
		member.neverStarted();
		return member;
	}

	/**
	 * A member is about to run on this thread: records the thread and says yes, unless
	 * cancelled.
	 */
	boolean startRunning(GroupMember<?> member) {
		this.lock.lock();
		try {
			if (this.cancelled) {
				return false;
			}
			member.setThread(Thread.currentThread());
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * A member's task returned: no interrupt reaches its thread any more; says whether
	 * cancelled meanwhile.
	 */
	boolean stopRunning(GroupMember<?> member) {
		this.lock.lock();
		try {
			member.setThread(null);
			return this.cancelled;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * A member finished; the first failure cancels the rest and is what {@link #join()}
	 * throws.
	 */
	void finished(GroupMember<?> member, Subtask.State outcome, Throwable thrown) {
		this.lock.lock();
		try {
			if (outcome == Subtask.State.FAILED) {
				cancelLocked(thrown);
			}
			member.settle(outcome);
			this.running.remove(member);
			this.finished.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	RunningTasks runningTasks() {
		return this.runningTasks;
	}

	ObservationRegistry observations() {
		return this.observations;
	}

	private String nextId() {
		return this.id + "-" + this.forks.incrementAndGet();
	}

	private void rethrow() {
		Throwable first;
		this.lock.lock();
		try {
			first = this.failure;
		}
		finally {
			this.lock.unlock();
		}
		TaskGroupException.rethrow(this.id, first);
	}

}
