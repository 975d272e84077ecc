package dev.sluice.deadline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import dev.sluice.core.SluiceThreads;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interrupts a request's thread when its deadline passes, and never afterwards: the
 * interrupt is sent only while the request is still in the handler (one compare-and-set
 * decides), and {@link Watch#close()} clears a late flag before the thread goes back to
 * the container's pool.
 * <p>
 * One watchdog thread per application, {@code sluice-deadline-watchdog-1}, started with
 * the first watch. It looks at the open watches when the earliest of their deadlines
 * passes, at most every {@value #TICK_MILLIS} ms (so a deadline fires up to that much
 * late) and at least every {@value #MAX_WAIT_MILLIS} ms (to let closed watches go).
 * <p>
 * A pooled thread, one that opens a watch after closing its previous one, gets a slot:
 * its per-thread deadline holder ({@link Deadline.Current}) joins the watchdog's registry
 * once, and from then on each of its watches is one volatile write into that slot, which
 * overwrites the thread's closed watch. At each look the watchdog thread reads every
 * registered slot (a few hundred at most, one per request thread, whatever the request
 * rate) and lets go of those whose thread has ended. Every other watch (a thread's first,
 * one opened inside another of the same thread, an {@link #onDeadline action}'s, a
 * virtual thread's, which serves one request) is pushed onto a lock-free stack that the
 * watches themselves link (one compare-and-set, nothing allocated beside the watch); at
 * each look the watchdog thread takes the whole stack at once and keeps, in an array of
 * its own, only the watches still open. Before the slots, every request's watch went onto
 * that stack, and reading each closed one once, cold in the cache, cost the watchdog
 * thread more than the deadline stage cost the request (see BENCHMARKS.md, "Deadline
 * watchdog").
 * <p>
 * The request path wakes the thread only for a deadline earlier than its next planned
 * look (a timer queue would, every time a request finds it empty, which costs a context
 * switch per request); under a steady load of requests with the same timeout it never
 * does, and the thread wakes once every {@value #MAX_WAIT_MILLIS} ms, not once a tick. A
 * closed watch lets go of its thread and action at once, since the watchdog may hold it
 * until its next look. After a second without open watches the thread sleeps until the
 * next one.
 */
public class DeadlineWatchdog implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(DeadlineWatchdog.class);

	static final long TICK_MILLIS = 10;

	private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);

	static final long MAX_WAIT_MILLIS = 100;

	private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final Watch[] NONE = {};

	private static final Deadline.Current[] NO_SLOTS = {};

	// the watches opened since the watchdog thread last looked, newest first, linked by
	// Watch.next; the watchdog thread takes them all at once
	private final AtomicReference<Watch> opened = new AtomicReference<>();

	// the watches still open when the watchdog thread last looked: written by that thread
	// only, a new array each look (read by the test hooks below)
	private volatile Watch[] kept = NONE;

	// the slots of the pooled threads that watch here: replaced (never changed) under
	// lifecycle, when a thread joins and when the watchdog thread lets go of ended ones
	private volatile Deadline.Current[] slots = NO_SLOTS;

	private final Object lifecycle = new Object();

	private volatile Thread thread;

	private volatile boolean sleeping;

	// when the watchdog thread looks next (System.nanoTime()), unless woken earlier: an
	// opener whose deadline comes first moves it to that deadline and wakes the thread
	private final AtomicLong plannedLook = new AtomicLong(System.nanoTime());

	private final long maxWaitNanos;

	private volatile long looks; // written by the watchdog thread only (read by tests)

	private volatile boolean closed;

	/**
	 * Creates a watchdog; its thread starts with the first watch.
	 */
	public DeadlineWatchdog() {
		this(Duration.ofMillis(MAX_WAIT_MILLIS));
	}

	DeadlineWatchdog(Duration maxWait) {
		this.maxWaitNanos = maxWait.toNanos();
	}

	/**
	 * Starts watching the calling thread.
	 * @param deadline the request's deadline
	 * @param interrupt whether to interrupt the thread at the deadline
	 * @return the watch, to close when the request leaves the handler
	 */
	public Watch watch(Deadline deadline, boolean interrupt) {
		return watch(deadline, interrupt, Deadline.currentHolder());
	}

	/**
	 * Starts watching the calling thread, whose deadline holder the caller has at hand.
	 * @param deadline the request's deadline
	 * @param interrupt whether to interrupt the thread at the deadline
	 * @param current the calling thread's holder
	 * @return the watch, to close when the request leaves the handler
	 */
	Watch watch(Deadline deadline, boolean interrupt, Deadline.Current current) {
		Watch watch = new Watch(current.thread, interrupt, null, deadline);
		if (this.closed) {
			return watch; // never fires, and is not held
		}
		DeadlineWatchdog owner = current.watchdog;
		if (owner != this) {
			if (owner == null || owner.closed) {
				// this thread's first watch here: remembered, so that its next one can
				// tell whether it comes after this one (a pooled thread) or inside it
				current.watchdog = this;
				current.registered = false;
				current.watch = watch;
			}
			return open(watch);
		}
		Watch previous = current.watch;
		if ((previous != null && previous.state == Watch.ACTIVE) || (!current.registered && !register(current))) {
			return open(watch); // inside the thread's open watch, or closing
		}
		current.watch = watch; // the closed one it replaces is let go
		return wake(watch);
	}

	/**
	 * Runs {@code action} on the watchdog thread when the deadline passes, unless the
	 * returned watch was closed first: for work that no thread waits for, such as a
	 * {@code DeferredResult}.
	 * @param deadline the deadline
	 * @param action what to do at the deadline; it must be quick and must not block
	 * @return the watch, to close when the work is done (on any thread)
	 */
	public Watch onDeadline(Deadline deadline, Runnable action) {
		return open(new Watch(null, false, action, deadline));
	}

	private Watch open(Watch watch) {
		if (this.closed) {
			return watch; // never fires, and is not held
		}
		Watch newest;
		do {
			newest = this.opened.get();
			watch.next = newest; // published by the compare-and-set
		}
		while (!this.opened.compareAndSet(newest, watch));
		return wake(watch);
	}

	/**
	 * Called right after a watch was added to the stack or a slot.
	 */
	private Watch wake(Watch watch) {
		Thread watchdog = this.thread;
		if (watchdog == null) {
			watchdog = start();
		}
		// Read after the add: either the watchdog thread sees the watch before it parks
		// (asleep, or until its planned look), or this sees it sleeping or planning to
		// look only after this deadline.
		if (watchdog != null && (this.sleeping || comesFirst(watch.deadline.expiresAtNanos()))) {
			LockSupport.unpark(watchdog);
		}
		return watch;
	}

	/**
	 * Adds a pooled thread's slot to the registry, once.
	 * @return {@code false} if the watchdog is closed
	 */
	private boolean register(Deadline.Current current) {
		synchronized (this.lifecycle) {
			if (this.closed) {
				return false;
			}
			Deadline.Current[] registered = Arrays.copyOf(this.slots, this.slots.length + 1);
			registered[registered.length - 1] = current;
			this.slots = registered;
		}
		current.registered = true;
		return true;
	}

	/**
	 * Lets go of the slots of threads that ended, on the watchdog thread.
	 */
	private void releaseEndedThreads() {
		synchronized (this.lifecycle) {
			List<Deadline.Current> alive = new ArrayList<>(this.slots.length);
			for (Deadline.Current slot : this.slots) {
				if (slot.thread.isAlive()) {
					alive.add(slot);
				}
			}
			this.slots = alive.toArray(NO_SLOTS);
		}
	}

	/**
	 * Whether a deadline comes before the watchdog thread's planned look: then the plan
	 * is moved to it and the caller wakes the thread. Otherwise the plan is no later than
	 * the deadline, and either the thread looks then or whoever moved it woke the thread.
	 */
	private boolean comesFirst(long expiresAt) {
		long planned = this.plannedLook.get();
		while (expiresAt - planned < 0) {
			if (this.plannedLook.compareAndSet(planned, expiresAt)) {
				return true;
			}
			planned = this.plannedLook.get();
		}
		return false;
	}

	private Thread start() {
		synchronized (this.lifecycle) {
			if (this.thread == null && !this.closed) {
				Thread started = SluiceThreads.platform("deadline-watchdog", true).newThread(this::run);
				started.start();
				this.thread = started;
			}
			return this.thread;
		}
	}

	private void run() {
		long lastWatched = System.nanoTime();
		while (!this.closed) {
			long now = System.nanoTime();
			long next = now + this.maxWaitNanos;
			if (this.opened.get() != null || this.kept.length > 0 || anyOpenSlot()) {
				lastWatched = now;
				next = earliest(look(now), next);
			}
			else if (now - lastWatched >= IDLE_NANOS) {
				releaseEndedThreads();
				this.sleeping = true;
				// read after sleeping is set: an opener sees it set, or its watch is read
				if (this.opened.get() == null && !anyOpenSlot() && !this.closed) {
					LockSupport.park(this);
				}
				this.sleeping = false;
				lastWatched = System.nanoTime();
				continue;
			}
			long wake = plan(now, next);
			long wait = wake - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(this, wait);
			}
		}
	}

	/**
	 * When to look next: at {@code next} (the earliest deadline of the watches kept, or
	 * the longest wait) or the earliest deadline of those opened since the look took the
	 * stack, but no sooner than a tick after this look. The plan is published before the
	 * new watches are read, so that an opener either is read here or reads the plan and
	 * wakes the thread for a deadline that comes first.
	 */
	private long plan(long now, long next) {
		long soonest = now + TICK_NANOS;
		long wake = (next - soonest < 0) ? soonest : next;
		this.plannedLook.set(wake);
		for (Watch watch = this.opened.get(); watch != null; watch = watch.next) {
			if (watch.state == Watch.ACTIVE) {
				wake = earliest(wake, watch.deadline.expiresAtNanos());
			}
		}
		for (Deadline.Current slot : this.slots) {
			Watch watch = openWatchIn(slot);
			if (watch != null) {
				wake = earliest(wake, watch.deadline.expiresAtNanos());
			}
		}
		return (wake - soonest < 0) ? soonest : wake;
	}

	private boolean anyOpenSlot() {
		for (Deadline.Current slot : this.slots) {
			if (openWatchIn(slot) != null) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The watch in a thread's slot, if it is still open.
	 */
	private static @Nullable Watch openWatchIn(Deadline.Current slot) {
		Watch watch = slot.watch;
		return (watch != null && watch.state == Watch.ACTIVE) ? watch : null;
	}

	private static long earliest(long a, long b) {
		return (a - b < 0) ? a : b;
	}

	/**
	 * One look, on the watchdog thread: fires the open watches whose deadline passed and
	 * keeps the others that are still open; closed (or disarmed) ones are let go, and so
	 * are the slots of threads that ended.
	 * @return the earliest deadline of the watches still open ({@code now} plus a day if
	 * none)
	 */
	private long look(long now) {
		this.looks++; // only this thread writes it
		long earliest = now + TimeUnit.DAYS.toNanos(1);
		List<Watch> stillOpen = new ArrayList<>(this.kept.length + 16);
		for (Watch watch : this.kept) {
			if (stillOpen(watch, now)) {
				stillOpen.add(watch);
				earliest = earliest(earliest, watch.deadline.expiresAtNanos());
			}
		}
		Watch watch = this.opened.getAndSet(null);
		while (watch != null) {
			Watch older = watch.next;
			watch.next = null; // a kept watch holds none opened before it
			if (stillOpen(watch, now)) {
				stillOpen.add(watch);
				earliest = earliest(earliest, watch.deadline.expiresAtNanos());
			}
			watch = older;
		}
		this.kept = stillOpen.toArray(NONE);
		boolean ended = false;
		for (Deadline.Current slot : this.slots) {
			Watch inSlot = slot.watch;
			if (inSlot != null && stillOpen(inSlot, now)) {
				earliest = earliest(earliest, inSlot.deadline.expiresAtNanos());
			}
			ended |= !slot.thread.isAlive();
		}
		if (ended) {
			releaseEndedThreads();
		}
		return earliest;
	}

	private static boolean stillOpen(Watch watch, long now) {
		if (watch.state != Watch.ACTIVE) {
			return false; // closed (or disarmed): it never fires
		}
		if (now - watch.deadline.expiresAtNanos() >= 0) {
			watch.fire();
			return false;
		}
		return true;
	}

	/**
	 * How many times the watchdog thread looked at the watches.
	 * @return the count
	 */
	long looks() {
		return this.looks;
	}

	/**
	 * How many watches are open: neither closed nor disarmed nor fired.
	 * @return the count
	 */
	int openWatches() {
		int count = 0;
		for (Watch watch : this.kept) {
			if (watch.state == Watch.ACTIVE) {
				count++;
			}
		}
		for (Watch watch = this.opened.get(); watch != null; watch = watch.next) {
			if (watch.state == Watch.ACTIVE) {
				count++;
			}
		}
		for (Deadline.Current slot : this.slots) {
			if (openWatchIn(slot) != null) {
				count++;
			}
		}
		return count;
	}

	/**
	 * How many threads have a slot here: pooled threads that have not ended, or ended
	 * since the watchdog last looked.
	 * @return the count
	 */
	int slots() {
		return this.slots.length;
	}

	/**
	 * How many watches the watchdog still holds: open, closed since it last looked, or a
	 * thread's latest in its slot.
	 * @return the count
	 */
	int heldWatches() {
		int count = this.kept.length;
		for (Watch watch = this.opened.get(); watch != null; watch = watch.next) {
			count++;
		}
		for (Deadline.Current slot : this.slots) {
			if (slot.watch != null) {
				count++;
			}
		}
		return count;
	}

	/**
	 * Stops the watchdog thread and waits for it; watches opened afterwards never fire.
	 */
	@Override
	public void close() {
		Thread watchdog;
		synchronized (this.lifecycle) {
			this.closed = true;
			watchdog = this.thread;
		}
		if (watchdog != null) {
			LockSupport.unpark(watchdog);
			try {
				watchdog.join(TimeUnit.SECONDS.toMillis(5));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		// the threads' holders still name this watchdog until they watch with another:
		// through it they keep none of the others, and no watch
		synchronized (this.lifecycle) {
			this.slots = NO_SLOTS;
		}
		if (watchdog == null || !watchdog.isAlive()) {
			this.opened.set(null);
			this.kept = NONE; // its only writer has ended
		}
	}

	/** One request's watch. */
	public static final class Watch implements AutoCloseable {

		private static final int ACTIVE = 0;

		private static final int INACTIVE = 1; // closed or disarmed before the deadline:
												// it never fires

		private static final int FIRING = 2;

		private static final int FIRED = 3;

		private static final AtomicIntegerFieldUpdater<Watch> STATE = AtomicIntegerFieldUpdater.newUpdater(Watch.class,
				"state");

		// let go at close: the watchdog holds a closed watch until its next look, and
		// must not keep a finished virtual thread (its stack, its thread locals) or an
		// action's captured state that long; read by fire() only, never once closed
		private @Nullable Thread thread;

		private final boolean interrupt;

		private @Nullable Runnable action;

		final Deadline deadline;

		// the watch opened before this one, while both wait on the stack for the watchdog
		// thread (which clears it when it takes them)
		@Nullable Watch next;

		// ACTIVE, then INACTIVE or FIRING then FIRED: one compare-and-set decides between
		// the watchdog firing and
		// the request disarming or closing, without a lock (a lock object per request,
		// and a lock on every write)
		private volatile int state;

		Watch(@Nullable Thread thread, boolean interrupt, @Nullable Runnable action, Deadline deadline) {
			this.thread = thread;
			this.interrupt = interrupt;
			this.action = action;
			this.deadline = deadline;
		}

		void fire() {
			if (!STATE.compareAndSet(this, ACTIVE, FIRING)) {
				return;
			}
			try {
				Thread watched = this.thread;
				Runnable due = this.action;
				if (this.interrupt && watched != null) {
					watched.interrupt();
				}
				if (due != null) {
					due.run();
				}
			}
			catch (RuntimeException ex) {
				logger.warn("A deadline action failed", ex);
			}
			finally {
				this.state = FIRED;
			}
		}

		/**
		 * Stops interrupts from here on, as long as none was sent: called on the watched
		 * thread when the handler starts writing its answer, so that a deadline passing
		 * during the write cannot interrupt it (an interrupted socket write closes the
		 * connection).
		 * @return {@code true} if the answer is on time, {@code false} if the deadline
		 * had already fired
		 */
		public boolean disarm() {
			return STATE.compareAndSet(this, ACTIVE, INACTIVE) || this.state == INACTIVE;
		}

		/**
		 * Whether the deadline passed while the request was being handled.
		 * @return {@code true} once fired
		 */
		public boolean hasFired() {
			return this.state >= FIRING;
		}

		/**
		 * Stops watching; must be called on the watched thread (any thread for
		 * {@link #onDeadline} watches), and may be called again. Clears an interrupt this
		 * watch sent, so it cannot reach the answer being written or the thread's next
		 * request.
		 */
		@Override
		public void close() {
			if (!STATE.compareAndSet(this, ACTIVE, INACTIVE)) {
				while (this.state == FIRING) { // the watchdog is sending the interrupt
												// (or running the action)
					Thread.yield();
				}
			}
			if (this.interrupt && this.state == FIRED) {
				Thread.interrupted();
			}
			this.thread = null; // the state is final here: fire() is done or never runs
			this.action = null;
		}

	}

}
