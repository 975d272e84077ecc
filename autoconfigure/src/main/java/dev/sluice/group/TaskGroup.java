package dev.sluice.group;

import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import dev.sluice.core.RunningTasks;
import dev.sluice.core.TaskContext;
import dev.sluice.deadline.Deadline;
import dev.sluice.deadline.DeadlineExceededException;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * A group of related subtasks with the semantics of Go's {@code errgroup.WithContext}: the first failure
 * cancels every other subtask (by interrupt) and is what {@link #join()} throws; {@link #limit(int)} bounds how
 * many run at once; closing the group cancels and waits for whatever still runs, so no subtask outlives it.
 * Opened from the {@link TaskGroups} bean; subtasks run with the forking thread's context (MDC, observation and
 * tracing span, every registered {@code ThreadLocalAccessor}'s value, through Micrometer context-propagation) and
 * the group's {@link Deadline} attached. Each subtask is an observation named {@value #SUBTASK_OBSERVATION}, and
 * each {@link #join()} one named {@value #JOIN_OBSERVATION}, both children of the forking thread's current
 * observation, with the key {@code outcome}.
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
 * Where Java differs from Go, and what is defined here:
 * <ul>
 * <li><b>Fork after a failure.</b> Once the group is cancelled (first failure, deadline, {@link #close()},
 * shutdown), {@link #fork} and {@link #tryFork} do not start the subtask: it is returned
 * {@link Subtask.State#CANCELLED}. Go would run the function with a cancelled context, which a well-behaved
 * function returns from at once; not starting it is the same outcome without the thread.</li>
 * <li><b>Results.</b> {@link Subtask#get()} returns the value of a subtask that succeeded; before it has
 * finished (call {@link #join()} first) and for a failed or cancelled subtask it throws
 * {@link IllegalStateException}, with the subtask's exception as the cause.</li>
 * <li><b>Interrupts.</b> If the thread blocked in {@link #join()} or in {@link #fork} (waiting for a slot) is
 * interrupted, the group is cancelled, the interrupt flag is restored and the call throws
 * {@link TaskGroupException} &mdash; or {@link DeadlineExceededException} when the deadline has passed, as it has
 * when a request's deadline watchdog sent the interrupt.</li>
 * <li><b>Deadline.</b> The group's deadline is enforced by whoever waits on the group: {@link #join()} and a
 * {@link #fork} waiting for a slot wait no longer than the time left, then cancel the group; no timer thread is
 * involved. Subtasks see it as {@link Deadline#current()} and can check it themselves.</li>
 * <li><b>Threads.</b> On the platform-thread pool ({@code sluice.task-groups.threads=platform}), a fork from the
 * request thread waits for a free pool thread (bounded by the deadline); a fork from inside a subtask when no
 * pool thread is free runs the new subtask inline, on the forking thread, because waiting there could deadlock
 * (every pool thread waiting for subtasks that need a pool thread). {@link #tryFork} waits for a pool thread the
 * same way: only {@link #limit(int)} makes it return empty.</li>
 * <li><b>Use.</b> A group is used by the thread that opened it; subtasks may fork into it too.
 * {@link #join()} may be called again and returns or throws the same outcome.</li>
 * </ul>
 */
public final class TaskGroup implements AutoCloseable {

	/** Name of the observation of each subtask's run; {@code outcome} is success, failed or cancelled. */
	public static final String SUBTASK_OBSERVATION = "sluice.task_group.subtask";

	/**
	 * Name of the observation of each {@link #join()}; {@code outcome} is success, failed, deadline_exceeded or
	 * interrupted.
	 */
	public static final String JOIN_OBSERVATION = "sluice.task_group.join";

	private static final TaskContext CONTEXT = TaskContext.all();

	/** How long a fork waits for a slot before it looks again whether the group was cancelled meanwhile. */
	private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	/** The subtask running on this thread, if any: a fork from inside a subtask may run inline. */
	private static final ThreadLocal<Member<?>> CURRENT = new ThreadLocal<>();

	private final String id;

	private final Deadline deadline;

	private final SubtaskThreads threads;

	private final RunningTasks runningTasks;

	private final ObservationRegistry observations;

	private final Consumer<TaskGroup> onClose;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition finished = this.lock.newCondition();

	private final Set<Member<?>> running = new HashSet<>();

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
	 * Whether the group was cancelled: by a failure, its deadline, {@link #close()} or shutdown.
	 * @return {@code true} once cancelled
	 */
	public boolean isCancelled() {
		return this.cancelled;
	}

	/**
	 * Bounds how many subtasks run at once (errgroup's {@code SetLimit}); {@link #fork} then blocks for a slot.
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
	 * Starts a subtask (errgroup's {@code Go}), waiting for a slot when {@link #limit(int)} subtasks are
	 * running. If the group is cancelled, or its deadline passes while this waits, the subtask never starts and
	 * is returned {@link Subtask.State#CANCELLED}; {@link #join()} then throws the reason.
	 * @param <T> the result type
	 * @param task the subtask
	 * @return the subtask, to read after {@link #join()}
	 * @throws TaskGroupException if this thread was interrupted while waiting (the group is then cancelled and
	 * the interrupt flag kept)
	 * @throws DeadlineExceededException if interrupted while waiting and the deadline has passed
	 * @throws IllegalStateException if the group is closed
	 */
	public <T> Subtask<T> fork(Callable<T> task) {
		Semaphore slots = this.limit;
		if (slots != null && !acquire(slots, "forking in")) {
			return neverStarted(task, null);
		}
		return start(task, slots);
	}

	/**
	 * Starts a subtask only if a slot is free (errgroup's {@code TryGo}): returns empty exactly when
	 * {@link #limit(int)} subtasks are running. Like {@link #fork}, it returns a {@link Subtask.State#CANCELLED}
	 * subtask once the group is cancelled.
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
	 * Waits for every subtask (errgroup's {@code Wait}) and throws the first failure: unchecked exceptions and
	 * errors as they are, checked ones wrapped in {@link TaskGroupException}. When the group's deadline passes
	 * first, running subtasks are interrupted, and once they have ended this throws
	 * {@link DeadlineExceededException}.
	 * @throws DeadlineExceededException if the deadline passed before the subtasks finished
	 * @throws TaskGroupException if a subtask threw a checked exception, or this thread was interrupted (the
	 * group is then cancelled and the interrupt flag kept)
	 */
	public void join() {
		Observation observation = Observation.createNotStarted(JOIN_OBSERVATION, this.observations)
			.contextualName("join " + this.id)
			.highCardinalityKeyValue("task_group.id", this.id)
			.start();
		String outcome = "success";
		try {
			awaitSubtasks();
			rethrow();
		}
		catch (RuntimeException | Error ex) {
			outcome = (ex instanceof DeadlineExceededException) ? "deadline_exceeded"
					: Thread.currentThread().isInterrupted() ? "interrupted" : "failed";
			observation.error(ex);
			throw ex;
		}
		finally {
			observation.lowCardinalityKeyValue("outcome", outcome).stop();
		}
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
			throw interrupted(ex, "joining");
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Cancels whatever still runs (interrupt) and waits for it to end, however long that takes; after this no
	 * subtask of the group is running. An interrupt while waiting is kept for after. Called by
	 * try-with-resources.
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
			return this.running.size();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits, for shutdown, until no subtask runs or the timeout passes.
	 * @param timeoutNanos how long to wait
	 * @return whether no subtask runs
	 * @throws InterruptedException if interrupted
	 */
	boolean awaitQuiet(long timeoutNanos) throws InterruptedException {
		long left = timeoutNanos;
		this.lock.lock();
		try {
			while (!this.running.isEmpty() && left > 0) {
				left = this.finished.awaitNanos(left);
			}
			return this.running.isEmpty();
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
		for (Member<?> member : this.running) {
			member.interrupt();
		}
	}

	private <T> Subtask<T> start(Callable<T> task, Semaphore slots) {
		Member<T> member = new Member<>(nextId(), task, slots);
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
			if (CURRENT.get() != null) {
				inline = true; // a subtask's fork with every pool thread busy: waiting here could deadlock
			}
			else if (!acquire(threadSlots, "waiting for a thread in")) {
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

	private <T> Subtask<T> neverStarted(Callable<T> task, Semaphore slots) {
		Member<T> member = new Member<>(nextId(), task, slots);
		member.neverStarted();
		return member;
	}

	private String nextId() {
		return this.id + "-" + this.forks.incrementAndGet();
	}

	/**
	 * Waits for a permit no longer than the deadline allows.
	 * @return {@code true} with the permit; {@code false} when the group was cancelled or its deadline passed
	 * (which cancels it) first
	 */
	private boolean acquire(Semaphore semaphore, String doing) {
		try {
			while (!this.cancelled) {
				long wait = WAIT_SLICE_NANOS;
				if (this.deadline != null) {
					long left = this.deadline.remainingNanos();
					if (left <= 0) {
						cancel(new DeadlineExceededException(this.deadline.timeout()));
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

	/** Cancels the group for an interrupted waiter, keeps the flag, and says what to throw. */
	private RuntimeException interrupted(InterruptedException ex, String doing) {
		RuntimeException thrown;
		if (this.deadline != null && this.deadline.isExpired()) {
			thrown = new DeadlineExceededException("Deadline passed while " + doing + " task group " + this.id,
					this.deadline.timeout(), ex);
		}
		else {
			thrown = new TaskGroupException("Interrupted while " + doing + " task group " + this.id, ex);
		}
		cancel(thrown);
		Thread.currentThread().interrupt();
		return thrown;
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
		throw new TaskGroupException("A subtask of task group " + this.id + " failed: " + first, first);
	}

	/** One subtask: its state, and the thread it runs on while it runs. */
	private final class Member<T> implements Subtask<T>, Runnable {

		private final String id;

		private final Callable<T> task;

		private final Semaphore slots;

		private final TaskContext.Snapshot context = CONTEXT.capture();

		private final Observation forker = TaskGroup.this.observations.getCurrentObservation();

		private volatile Subtask.State state = Subtask.State.RUNNING;

		private volatile T value;

		private volatile Throwable exception;

		/** Guarded by the group's lock: set only while the task runs, so an interrupt never reaches later work. */
		private Thread thread;

		Member(String id, Callable<T> task, Semaphore slots) {
			this.id = id;
			this.task = task;
			this.slots = slots;
		}

		@Override
		public void run() {
			TaskGroup group = TaskGroup.this;
			boolean startNow;
			group.lock.lock();
			try {
				startNow = !group.cancelled;
				if (startNow) {
					this.thread = Thread.currentThread();
				}
			}
			finally {
				group.lock.unlock();
			}
			if (!startNow) {
				finish(Subtask.State.CANCELLED, null, null);
				return;
			}
			Member<?> outer = CURRENT.get();
			CURRENT.set(this);
			T result = null;
			Throwable thrown = null;
			Observation observation = Observation.createNotStarted(SUBTASK_OBSERVATION, group.observations)
				.parentObservation(this.forker)
				.contextualName("subtask " + group.id)
				.highCardinalityKeyValue("subtask.id", this.id)
				.start();
			try (TaskContext.Scope context = this.context.restore();
					Observation.Scope observing = observation.openScope();
					RunningTasks.Running registered = group.runningTasks.start("task-group", this.id);
					Deadline.Scope scope = (group.deadline != null) ? group.deadline.attach() : Deadline.detach()) {
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
			boolean cancelledMeanwhile;
			group.lock.lock();
			try {
				this.thread = null;
				cancelledMeanwhile = group.cancelled;
			}
			finally {
				group.lock.unlock();
			}
			// No interrupt of this group can reach the thread from here on; clear one that arrived, so a pooled
			// thread starts its next subtask clean.
			Thread.interrupted();
			Subtask.State outcome = (thrown == null) ? Subtask.State.SUCCESS
					: cancelledMeanwhile ? Subtask.State.CANCELLED : Subtask.State.FAILED;
			if (thrown != null) {
				observation.error(thrown);
			}
			observation.lowCardinalityKeyValue("outcome", outcome.name().toLowerCase(Locale.ROOT)).stop();
			finish(outcome, result, thrown);
		}

		/**
		 * Runs on the forking subtask's thread. An interrupt meant for that outer subtask may have been
		 * consumed (or cleared) by this one, so it is restored when the outer group is cancelled.
		 */
		void runInline() {
			boolean wasInterrupted = Thread.currentThread().isInterrupted();
			run();
			Member<?> outer = CURRENT.get();
			if (wasInterrupted || (outer != null && outer.group().cancelled)) {
				Thread.currentThread().interrupt();
			}
		}

		TaskGroup group() {
			return TaskGroup.this;
		}

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
			release(); // before the state is published: a finished subtask no longer holds a slot
			TaskGroup group = TaskGroup.this;
			group.lock.lock();
			try {
				if (outcome == Subtask.State.FAILED) {
					group.cancelLocked(thrown); // the first failure cancels the rest and is what join() throws
				}
				this.state = outcome;
				group.running.remove(this);
				group.finished.signalAll();
			}
			finally {
				group.lock.unlock();
			}
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

}
