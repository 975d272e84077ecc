package dev.sluice.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import dev.sluice.core.RunningTasks;
import dev.sluice.deadline.Deadline;
import dev.sluice.deadline.DeadlineExceededException;

/**
 * A group of related subtasks with the semantics of Go's {@code errgroup.WithContext}: the first failure
 * cancels every other subtask (by interrupt) and is what {@link #join()} throws; {@link #limit(int)} bounds how
 * many run at once; closing the group cancels and waits for whatever still runs, so no subtask outlives it.
 * Opened from the {@link TaskGroups} bean; subtasks run with the group's {@link Deadline} attached.
 *
 * <table>
 * <caption>errgroup and its Java form</caption>
 * <tr><th>Go</th><th>Java</th></tr>
 * <tr><td><pre>
 * g, ctx := errgroup.WithContext(ctx)
 * g.SetLimit(8)
 * var profile Profile
 * var posts []Post
 * g.Go(func() error {
 *     var err error
 *     profile, err = profiles.Fetch(ctx, id)
 *     return err
 * })
 * g.Go(func() error {
 *     var err error
 *     posts, err = postsSvc.Fetch(ctx, id)
 *     return err
 * })
 * if err := g.Wait(); err != nil {
 *     return err
 * }
 * return Page{profile, posts}, nil
 * </pre></td><td><pre>
 * try (TaskGroup group = taskGroups.open()) {
 *     group.limit(8);
 *
 *
 *     Subtask&lt;Profile&gt; profile =
 *         group.fork(() -&gt; profiles.fetch(id));
 *
 *
 *
 *     Subtask&lt;List&lt;Post&gt;&gt; posts =
 *         group.fork(() -&gt; postsSvc.fetch(id));
 *
 *
 *
 *     group.join();   // throws the first failure
 *
 *
 *     return new Page(profile.get(), posts.get());
 * }
 * </pre></td></tr>
 * <tr><td>{@code g.TryGo(f)}</td><td>{@code group.tryFork(task)} (empty {@code Optional} when the limit is
 * reached)</td></tr>
 * <tr><td>{@code context.WithTimeout(ctx, d)}</td><td>{@code taskGroups.open(d)}</td></tr>
 * </table>
 * <p>
 * Choices where Java differs from Go: a subtask forked after the group was cancelled never starts (it is
 * {@link Subtask.State#CANCELLED}), where Go would run it with a cancelled context; {@link #join()} may be
 * called once the forking is done, and again (it returns or throws the same outcome); a group is used by the
 * thread that opened it (forks may come from subtasks too).
 */
public final class TaskGroup implements AutoCloseable {

	private final String id;

	private final Deadline deadline;

	private final Executor executor;

	private final RunningTasks runningTasks;

	private final Consumer<TaskGroup> onClose;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition finished = this.lock.newCondition();

	private final List<Member<?>> members = new ArrayList<>();

	private final AtomicInteger forks = new AtomicInteger();

	private volatile Semaphore limit;

	private int running;

	private Throwable failure;

	private boolean cancelled;

	private boolean closed;

	TaskGroup(String id, Deadline deadline, Executor executor, RunningTasks runningTasks,
			Consumer<TaskGroup> onClose) {
		this.id = id;
		this.deadline = deadline;
		this.executor = executor;
		this.runningTasks = runningTasks;
		this.onClose = onClose;
	}

	/**
	 * The group's id, the prefix of its subtasks' ids.
	 * @return the id
	 */
	public String id() {
		return this.id;
	}

	/**
	 * The group's deadline: the request's, or a tighter one from {@link TaskGroups#open(java.time.Duration)}.
	 * @return the deadline, if any
	 */
	public Optional<Deadline> deadline() {
		return Optional.ofNullable(this.deadline);
	}

	/**
	 * Bounds how many subtasks run at once (errgroup's {@code SetLimit}); {@link #fork} then blocks for a slot.
	 * @param n the most subtasks running at once, at least 1
	 * @return this group
	 * @throws IllegalStateException if subtasks are running
	 */
	public TaskGroup limit(int n) {
		if (n < 1) {
			throw new IllegalArgumentException("limit must be at least 1, was " + n);
		}
		this.lock.lock();
		try {
			if (this.running > 0) {
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
	 * Starts a subtask (errgroup's {@code Go}), waiting for a slot when a {@link #limit(int)} is reached.
	 * @param <T> the result type
	 * @param task the subtask
	 * @return the subtask, to read after {@link #join()}
	 * @throws TaskGroupException if interrupted while waiting for a slot (the group is then cancelled)
	 */
	public <T> Subtask<T> fork(Callable<T> task) {
		Semaphore permits = this.limit;
		if (permits != null) {
			try {
				permits.acquire();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				cancel(null);
				throw new TaskGroupException("Interrupted while waiting to fork in group " + this.id, ex);
			}
		}
		return start(task, permits);
	}

	/**
	 * Starts a subtask only if a slot is free (errgroup's {@code TryGo}).
	 * @param <T> the result type
	 * @param task the subtask
	 * @return the subtask, or empty when {@link #limit(int)} subtasks are running
	 */
	public <T> Optional<Subtask<T>> tryFork(Callable<T> task) {
		Semaphore permits = this.limit;
		if (permits != null && !permits.tryAcquire()) {
			return Optional.empty();
		}
		return Optional.of(start(task, permits));
	}

	/**
	 * Waits for every subtask (errgroup's {@code Wait}) and throws the first failure: unchecked exceptions and
	 * errors as they are, checked ones wrapped in {@link TaskGroupException}. When the group's deadline passes
	 * first, running subtasks are interrupted and this throws {@link DeadlineExceededException}.
	 * @throws DeadlineExceededException if the deadline passed before the subtasks finished
	 * @throws TaskGroupException if a subtask threw a checked exception, or this thread was interrupted (the
	 * group is then cancelled and the interrupt flag kept)
	 */
	public void join() {
		this.lock.lock();
		try {
			while (this.running > 0) {
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
			cancelLocked(null);
			Thread.currentThread().interrupt();
			if (this.deadline != null && this.deadline.isExpired()) {
				throw new DeadlineExceededException("Deadline passed while joining group " + this.id,
						this.deadline.timeout(), ex);
			}
			throw new TaskGroupException("Interrupted while joining group " + this.id, ex);
		}
		finally {
			this.lock.unlock();
		}
		rethrow();
	}

	/**
	 * Cancels whatever still runs (interrupt) and waits for it to end; after this no subtask of the group is
	 * running. Called by try-with-resources.
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
			while (this.running > 0) {
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
	 * Cancels the group: subtasks not yet started never start, running ones are interrupted.
	 * @param cause what {@link #join()} should throw, or {@code null} to leave it as it is
	 */
	void cancel(Throwable cause) {
		this.lock.lock();
		try {
			cancelLocked(cause);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Subtasks running now.
	 * @return the count
	 */
	int runningCount() {
		this.lock.lock();
		try {
			return this.running;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void cancelLocked(Throwable cause) {
		if (cause != null && this.failure == null && !this.cancelled) {
			this.failure = cause;
		}
		if (this.cancelled) {
			return;
		}
		this.cancelled = true;
		for (Member<?> member : this.members) {
			member.interrupt();
		}
	}

	private <T> Subtask<T> start(Callable<T> task, Semaphore permits) {
		Member<T> member = new Member<>(this.id + "-" + this.forks.incrementAndGet(), task, permits);
		this.lock.lock();
		try {
			if (this.closed) {
				member.release();
				throw new IllegalStateException("Task group " + this.id + " is closed");
			}
			if (this.cancelled) {
				member.state = Subtask.State.CANCELLED;
				member.release();
				return member;
			}
			this.members.add(member);
			member.counted = true;
			this.running++;
		}
		finally {
			this.lock.unlock();
		}
		try {
			this.executor.execute(member);
		}
		catch (RejectedExecutionException ex) {
			member.finish(Subtask.State.CANCELLED, null, ex);
			throw ex;
		}
		return member;
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
		if (first == null) {
			return;
		}
		if (first instanceof RuntimeException unchecked) {
			throw unchecked;
		}
		if (first instanceof Error error) {
			throw error;
		}
		throw new TaskGroupException("A subtask of group " + this.id + " failed: " + first, first);
	}

	/** One subtask: its state, and the thread it runs on while it runs. */
	private final class Member<T> implements Subtask<T>, Runnable {

		private final String id;

		private final Callable<T> task;

		private final Semaphore permits;

		private volatile Subtask.State state = Subtask.State.RUNNING;

		private volatile T value;

		private volatile Throwable exception;

		private Thread thread;

		private boolean counted;

		Member(String id, Callable<T> task, Semaphore permits) {
			this.id = id;
			this.task = task;
			this.permits = permits;
		}

		@Override
		public void run() {
			boolean startNow;
			TaskGroup.this.lock.lock();
			try {
				startNow = !TaskGroup.this.cancelled;
				if (startNow) {
					this.thread = Thread.currentThread();
				}
			}
			finally {
				TaskGroup.this.lock.unlock();
			}
			if (!startNow) {
				finish(Subtask.State.CANCELLED, null, null);
				return;
			}
			T result = null;
			Throwable thrown = null;
			try (RunningTasks.Running registered = TaskGroup.this.runningTasks.start("task-group", this.id);
					Deadline.Scope scope = (TaskGroup.this.deadline != null) ? TaskGroup.this.deadline.attach()
							: Deadline.detach()) {
				result = this.task.call();
			}
			catch (Throwable ex) {
				thrown = ex;
			}
			boolean cancelledMeanwhile;
			TaskGroup.this.lock.lock();
			try {
				this.thread = null;
				cancelledMeanwhile = TaskGroup.this.cancelled;
			}
			finally {
				TaskGroup.this.lock.unlock();
			}
			// No interrupt of this group can reach the thread from here on; clear one that arrived, so a pooled
			// thread starts its next subtask clean.
			Thread.interrupted();
			if (thrown == null) {
				finish(Subtask.State.SUCCESS, result, null);
			}
			else {
				finish(cancelledMeanwhile ? Subtask.State.CANCELLED : Subtask.State.FAILED, null, thrown);
			}
		}

		void interrupt() {
			if (this.thread != null) {
				this.thread.interrupt();
			}
		}

		void finish(Subtask.State outcome, T result, Throwable thrown) {
			this.value = result;
			this.exception = thrown;
			release(); // before the state is published: a finished subtask no longer holds a slot
			TaskGroup.this.lock.lock();
			try {
				if (outcome == Subtask.State.FAILED) {
					cancelLocked(thrown); // the first failure cancels the rest and is what join() throws
				}
				this.state = outcome;
				if (this.counted) {
					this.counted = false;
					TaskGroup.this.running--;
				}
				TaskGroup.this.finished.signalAll();
			}
			finally {
				TaskGroup.this.lock.unlock();
			}
		}

		void release() {
			if (this.permits != null) {
				this.permits.release();
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

	}

	/**
	 * Waits, for tests and shutdown, until no subtask runs or the timeout passes.
	 * @param timeout how long to wait
	 * @param unit the unit
	 * @return whether no subtask runs
	 * @throws InterruptedException if interrupted
	 */
	boolean awaitQuiet(long timeout, TimeUnit unit) throws InterruptedException {
		long left = unit.toNanos(timeout);
		this.lock.lock();
		try {
			while (this.running > 0 && left > 0) {
				left = this.finished.awaitNanos(left);
			}
			return this.running == 0;
		}
		finally {
			this.lock.unlock();
		}
	}

}
