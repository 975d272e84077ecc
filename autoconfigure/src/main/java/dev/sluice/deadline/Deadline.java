package dev.sluice.deadline;

import java.time.Duration;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * A point in time by which a request (or a task working for it) must be done: the Java
 * form of a Go {@code context.WithTimeout}. Measured on the monotonic clock
 * ({@link System#nanoTime()}), immune to wall-clock jumps.
 * <p>
 * The deadline of the current request or task is reached with {@link #current()}; Sluice
 * attaches it to the request thread, to task-group subtasks and, when asked, to
 * worker-pool tasks. Code that waits on something slow can ask for {@link #remaining()}
 * or call {@link #check()} between steps.
 */
public final class Deadline {

	// one holder per thread, written and read by that thread only: setting, reading and
	// restoring a deadline is one thread-local lookup and plain writes, not a lookup each
	private static final ThreadLocal<Current> CURRENT = ThreadLocal.withInitial(Current::new);

	private final long expiresAtNanos;

	private final Duration timeout;

	private Deadline(long expiresAtNanos, Duration timeout) {
		this.expiresAtNanos = expiresAtNanos;
		this.timeout = timeout;
	}

	/**
	 * A deadline that passes {@code timeout} from now.
	 * @param timeout the time allowed, positive
	 * @return the deadline
	 */
	public static Deadline after(Duration timeout) {
		if (timeout.isNegative()) {
			throw new IllegalArgumentException("timeout must not be negative: " + timeout);
		}
		return new Deadline(System.nanoTime() + saturatedNanos(timeout), timeout);
	}

	/**
	 * The deadline of the current request or task, if it has one.
	 * @return the current deadline
	 */
	public static Optional<Deadline> current() {
		return Optional.ofNullable(CURRENT.get().deadline);
	}

	/**
	 * The time left, zero once the deadline has passed.
	 * @return the remaining time, never negative
	 */
	public Duration remaining() {
		return Duration.ofNanos(remainingNanos());
	}

	/**
	 * The time left in nanoseconds, zero once the deadline has passed.
	 * @return the remaining nanoseconds, never negative
	 */
	public long remainingNanos() {
		return Math.max(0, this.expiresAtNanos - System.nanoTime());
	}

	/**
	 * When the deadline passes, on the {@link System#nanoTime()} clock.
	 * @return the nano time
	 */
	long expiresAtNanos() {
		return this.expiresAtNanos;
	}

	/**
	 * Whether the deadline has passed.
	 * @return {@code true} when no time is left
	 */
	public boolean isExpired() {
		return this.expiresAtNanos - System.nanoTime() <= 0;
	}

	/**
	 * Throws when the deadline has passed; call it between steps of a long piece of work.
	 * @throws DeadlineExceededException if the deadline has passed
	 */
	public void check() {
		if (isExpired()) {
			throw new DeadlineExceededException(this.timeout);
		}
	}

	/**
	 * The time this deadline allowed when it was set.
	 * @return the original timeout
	 */
	public Duration timeout() {
		return this.timeout;
	}

	/**
	 * This deadline or one {@code timeout} from now, whichever passes first: a deadline
	 * may only shorten.
	 * @param timeout the tighter budget to apply
	 * @return the earlier of the two deadlines
	 */
	public Deadline shorten(Duration timeout) {
		Deadline other = after(timeout);
		return (other.expiresAtNanos - this.expiresAtNanos < 0) ? other : this;
	}

	/**
	 * Makes this the current deadline of the calling thread until the returned scope is
	 * closed, which restores whatever deadline was current before.
	 * @return the scope to close
	 */
	public Scope attach() {
		Current current = CURRENT.get();
		Deadline previous = current.deadline;
		current.deadline = this;
		return new Scope(previous);
	}

	/**
	 * Removes any deadline from the calling thread until the returned scope is closed.
	 * @return the scope to close
	 */
	public static Scope detach() {
		Current current = CURRENT.get();
		Deadline previous = current.deadline;
		current.deadline = null;
		return new Scope(previous);
	}

	/**
	 * For the deadline filter: the calling thread's holder of its current deadline, to
	 * set and restore it without a scope, and without a thread-local lookup for each. The
	 * holder belongs to the calling thread: no other thread may use it.
	 * @return the holder
	 */
	static Current currentHolder() {
		return CURRENT.get();
	}

	/**
	 * For {@link DeadlineThreadLocalAccessor}: sets or clears the thread's deadline
	 * without a scope.
	 */
	static void setCurrent(@Nullable Deadline deadline) {
		// kept, not removed when null: a pooled thread's next request then finds its
		// holder instead of inserting one again
		CURRENT.get().deadline = deadline;
	}

	@Override
	public String toString() {
		return "Deadline[timeout=" + this.timeout + ", remaining=" + remaining() + "]";
	}

	private static long saturatedNanos(Duration duration) {
		try {
			return duration.toNanos();
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE / 4;
		}
	}

	/** Restores the previous deadline of the thread when closed. */
	public static final class Scope implements AutoCloseable {

		private final @Nullable Deadline previous;

		private Scope(@Nullable Deadline previous) {
			this.previous = previous;
		}

		@Override
		public void close() {
			CURRENT.get().deadline = this.previous;
		}

	}

	/**
	 * A thread's current deadline, read and written by that thread only, and the thread's
	 * slot in a {@link DeadlineWatchdog}.
	 */
	static final class Current {

		@Nullable Deadline deadline;

		final Thread thread = Thread.currentThread(); // made by the initial value on it

		// the watchdog this thread watches with, and whether this holder is in its
		// registry: written and read by this thread only
		@Nullable DeadlineWatchdog watchdog;

		boolean registered;

		// the thread's latest watch of that watchdog, open or closed: written by this
		// thread, read by the watchdog thread once registered
		volatile DeadlineWatchdog.@Nullable Watch watch;

	}

}
