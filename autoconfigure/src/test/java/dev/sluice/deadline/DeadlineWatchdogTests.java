package dev.sluice.deadline;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.sluice.core.SluiceThreads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The watchdog with real threads and real interrupts: who is interrupted, when, and that
 * nobody is interrupted after closing a watch.
 */
class DeadlineWatchdogTests {

	private final DeadlineWatchdog watchdog = new DeadlineWatchdog();

	@AfterEach
	void closeWatchdog() {
		this.watchdog.close();
	}

	@Test
	void ofManyThreadsExactlyThoseStillWatchedAtTheirDeadlineAreInterruptedAndSoonAfterIt() throws Exception {
		int threads = 64;
		AtomicInteger interrupted = new AtomicInteger();
		AtomicInteger wronglyInterrupted = new AtomicInteger();
		AtomicLong latestLateness = new AtomicLong();
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> workers = new ArrayList<>();
		for (int i = 0; i < threads; i++) {
			boolean staysPastItsDeadline = (i % 2 == 0);
			Thread worker = new Thread(() -> {
				try {
					go.await();
				}
				catch (InterruptedException ex) {
					return;
				}
				long expiresAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
				DeadlineWatchdog.Watch watch = this.watchdog.watch(Deadline.after(Duration.ofMillis(200)), true);
				try {
					if (staysPastItsDeadline) {
						Thread.sleep(5_000);
					}
				}
				catch (InterruptedException ex) {
					interrupted.incrementAndGet();
					latestLateness.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - expiresAt),
							Math::max);
				}
				finally {
					watch.close();
				}
				if (!staysPastItsDeadline) {
					try {
						Thread.sleep(400); // past the deadline: a closed watch must not
											// fire
					}
					catch (InterruptedException ex) {
						wronglyInterrupted.incrementAndGet();
					}
				}
				if (Thread.currentThread().isInterrupted()) {
					wronglyInterrupted.incrementAndGet();
				}
			}, "worker-" + i);
			worker.start();
			workers.add(worker);
		}
		go.countDown();
		for (Thread worker : workers) {
			worker.join(10_000);
		}
		assertThat(interrupted).hasValue(threads / 2);
		assertThat(wronglyInterrupted).hasValue(0);
		assertThat(latestLateness.get()).as("ms after the deadline").isLessThan(500);
		assertThat(this.watchdog.openWatches()).isZero();
	}

	@Test
	void closedWatchesAreLetGoOnceTheWatchdogLooksSoNoneIsHeldForLong() throws Exception {
		List<Thread> workers = new ArrayList<>();
		for (int t = 0; t < 8; t++) {
			Thread worker = new Thread(() -> {
				for (int i = 0; i < 10_000; i++) {
					this.watchdog.watch(Deadline.after(Duration.ofSeconds(30)), true).close();
				}
			});
			worker.start();
			workers.add(worker);
		}
		for (Thread worker : workers) {
			worker.join(60_000);
		}
		DeadlineWatchdog.Watch stillOpen = this.watchdog.watch(Deadline.after(Duration.ofSeconds(30)), true);
		assertThat(this.watchdog.openWatches()).isOne();
		// 80,000 watches opened and closed, 30 s from their deadlines: the watchdog
		// drops each at its next look, keeping the one still open
		await().atMost(Duration.ofSeconds(5)).until(() -> this.watchdog.heldWatches() == 1);
		stillOpen.close();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.watchdog.heldWatches() == 0);
		assertThat(this.watchdog.openWatches()).isZero();
	}

	@Test
	void aWatchKeptOpenHoldsNoneOfTheClosedWatchesOpenedBeforeIt() throws Exception {
		assertAWatchKeptOpenHoldsNoneOfTheClosedOnesBeforeIt(
				() -> this.watchdog.watch(Deadline.after(Duration.ofSeconds(30)), true));
	}

	private void assertAWatchKeptOpenHoldsNoneOfTheClosedOnesBeforeIt(Supplier<DeadlineWatchdog.Watch> opener) {
		List<WeakReference<DeadlineWatchdog.Watch>> closed = new ArrayList<>();
		for (int i = 0; i < 1_000; i++) {
			DeadlineWatchdog.Watch watch = opener.get();
			watch.close();
			closed.add(new WeakReference<>(watch));
		}
		// opened after them: while the watchdog has not looked, it links to them
		DeadlineWatchdog.Watch stillOpen = opener.get();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.watchdog.heldWatches() == 1);
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			System.gc();
			return closed.stream().allMatch((reference) -> reference.get() == null);
		});
		assertThat(this.watchdog.openWatches()).isOne();
		stillOpen.close();
	}

	@Test
	void aWatchClosedRightAroundItsDeadlineNeverLeavesAnInterruptBehind() throws Exception {
		List<Thread> workers = new ArrayList<>();
		AtomicInteger leftInterrupted = new AtomicInteger();
		AtomicInteger fired = new AtomicInteger();
		for (int t = 0; t < 8; t++) {
			Thread worker = new Thread(() -> {
				for (int i = 0; i < 300; i++) {
					Deadline deadline = Deadline.after(Duration.ofMillis(ThreadLocalRandom.current().nextInt(0, 15)));
					DeadlineWatchdog.Watch watch = this.watchdog.watch(deadline, true);
					long end = System.nanoTime()
							+ TimeUnit.MILLISECONDS.toNanos(ThreadLocalRandom.current().nextInt(0, 15));
					while (System.nanoTime() < end) {
						Thread.onSpinWait(); // busy, not looking at the interrupt, like a
												// handler at work
					}
					if (watch.hasFired()) {
						fired.incrementAndGet();
					}
					watch.close();
					if (Thread.interrupted()) {
						leftInterrupted.incrementAndGet();
					}
				}
			});
			worker.start();
			workers.add(worker);
		}
		for (Thread worker : workers) {
			worker.join(60_000);
		}
		assertThat(leftInterrupted).hasValue(0);
		assertThat(fired.get()).as("some deadlines passed while their thread was busy").isPositive();
		assertThat(this.watchdog.openWatches()).isZero();
	}

	@Test
	void anActionRunsOnceAtItsDeadlineAndNeverOnceItsWatchIsClosed() throws Exception {
		AtomicInteger ran = new AtomicInteger();
		AtomicInteger ranAfterClose = new AtomicInteger();
		DeadlineWatchdog.Watch due = this.watchdog.onDeadline(Deadline.after(Duration.ofMillis(50)),
				ran::incrementAndGet);
		DeadlineWatchdog.Watch closed = this.watchdog.onDeadline(Deadline.after(Duration.ofMillis(50)),
				ranAfterClose::incrementAndGet);
		closed.close();
		await().atMost(Duration.ofSeconds(5)).until(due::hasFired);
		Thread.sleep(100);
		assertThat(ran).hasValue(1);
		assertThat(ranAfterClose).hasValue(0);
		due.close();
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
	}

	@Test
	void aDisarmedWatchNoLongerInterrupts() throws Exception {
		DeadlineWatchdog.Watch watch = this.watchdog.watch(Deadline.after(Duration.ofMillis(50)), true);
		assertThat(watch.disarm()).isTrue();
		Thread.sleep(300); // throws if the watch fired into this thread
		assertThat(watch.hasFired()).isFalse();
		watch.close();
	}

	@Test
	void aDeadlineBeforeTheNextPlannedLookWakesTheWatchdogForIt() throws Exception {
		// looks at least every 30 s: only the opener's wake-up can fire the near deadline
		// on time
		try (DeadlineWatchdog patient = new DeadlineWatchdog(Duration.ofSeconds(30))) {
			DeadlineWatchdog.Watch far = waitingForItsLookAtAFarDeadline(patient, Duration.ofSeconds(20));
			long start = System.nanoTime();
			DeadlineWatchdog.Watch near = patient.watch(Deadline.after(Duration.ofMillis(100)), true);
			long interruptedAfter = -1;
			try {
				Thread.sleep(10_000);
			}
			catch (InterruptedException expected) {
				interruptedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			}
			assertThat(interruptedAfter).as("ms until the near deadline's interrupt").isBetween(100L, 2_000L);
			near.close();
			far.close();
		}
	}

	@Test
	void aClosedWatchLetsGoOfItsThreadAndItsActionThoughTheWatchdogStillHoldsIt() throws Exception {
		// looks every 30 s at most: the closed watches stay on its stack for the test
		try (DeadlineWatchdog patient = new DeadlineWatchdog(Duration.ofSeconds(30))) {
			DeadlineWatchdog.Watch far = waitingForItsLookAtAFarDeadline(patient, Duration.ofSeconds(60));
			long looks = patient.looks();
			WeakReference<Thread> finishedThread = watchedAndClosedOnAThreadThatEnds(patient);
			WeakReference<Object> capturedState = closedActionCapturing(patient);
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				System.gc();
				return finishedThread.get() == null && capturedState.get() == null;
			});
			assertThat(patient.looks()).as("no look since: the closed watches are still held").isEqualTo(looks);
			assertThat(patient.heldWatches()).isEqualTo(3);
			far.close();
		}
	}

	/**
	 * Opens a watch with a far deadline and waits until the watchdog thread looked at it
	 * and waits for its next look (at that deadline, or its maximum wait).
	 */
	private static DeadlineWatchdog.Watch waitingForItsLookAtAFarDeadline(DeadlineWatchdog watchdog,
			Duration deadline) {
		DeadlineWatchdog.Watch far = watchdog.onDeadline(Deadline.after(deadline), () -> {
		});
		Thread thread = await().atMost(Duration.ofSeconds(5))
			.until(() -> watchdogThreads().stream().findFirst().orElse(null), (found) -> found != null);
		await().atMost(Duration.ofSeconds(5))
			.until(() -> watchdog.looks() >= 1 && thread.getState() == Thread.State.TIMED_WAITING);
		return far;
	}

	private static WeakReference<Thread> watchedAndClosedOnAThreadThatEnds(DeadlineWatchdog watchdog)
			throws InterruptedException {
		// 60 s: after the watchdog's planned look, so it is not woken for it
		Thread thread = new Thread(() -> watchdog.watch(Deadline.after(Duration.ofSeconds(60)), true).close());
		thread.start();
		thread.join(5_000);
		return new WeakReference<>(thread);
	}

	private static WeakReference<Object> closedActionCapturing(DeadlineWatchdog watchdog) {
		Object state = new Object();
		watchdog.onDeadline(Deadline.after(Duration.ofSeconds(60)), state::notify).close();
		return new WeakReference<>(state);
	}

	@Test
	void ofManyThreadsOpeningDeadlinesInEveryOrderEachIsInterruptedSoonAfterItsOwn() throws Exception {
		// looks at least every 30 s: a deadline whose wake-up was lost would be seconds
		// late
		try (DeadlineWatchdog patient = new DeadlineWatchdog(Duration.ofSeconds(30))) {
			DeadlineWatchdog.Watch far = patient.onDeadline(Deadline.after(Duration.ofSeconds(60)), () -> {
			});
			for (int round = 0; round < 3; round++) {
				int threads = 48;
				AtomicInteger interrupted = new AtomicInteger();
				AtomicLong latestLateness = new AtomicLong();
				CountDownLatch go = new CountDownLatch(1);
				List<Thread> workers = new ArrayList<>();
				for (int i = 0; i < threads; i++) {
					Thread worker = new Thread(() -> {
						try {
							go.await();
						}
						catch (InterruptedException ex) {
							return;
						}
						long millis = ThreadLocalRandom.current().nextLong(0, 300);
						long expiresAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
						DeadlineWatchdog.Watch watch = patient.watch(Deadline.after(Duration.ofMillis(millis)), true);
						try {
							Thread.sleep(10_000);
						}
						catch (InterruptedException ex) {
							interrupted.incrementAndGet();
							latestLateness.accumulateAndGet(
									TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - expiresAt), Math::max);
						}
						finally {
							watch.close();
						}
					}, "worker-" + i);
					worker.start();
					workers.add(worker);
				}
				go.countDown();
				for (Thread worker : workers) {
					worker.join(20_000);
				}
				assertThat(interrupted).hasValue(threads);
				assertThat(latestLateness.get()).as("ms after the deadline").isLessThan(1_500);
			}
			far.close();
			assertThat(patient.openWatches()).isZero();
		}
	}

	@Test
	void underSteadyRequestsWithLongDeadlinesTheWatchdogLooksAboutOnceAMaximumWaitNotEveryTick() throws Exception {
		AtomicInteger served = new AtomicInteger();
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
		this.watchdog.watch(Deadline.after(Duration.ofSeconds(10)), true).close(); // started
		long looksBefore = this.watchdog.looks();
		List<Thread> workers = new ArrayList<>();
		for (int t = 0; t < 4; t++) {
			Thread worker = new Thread(() -> {
				while (System.nanoTime() - end < 0) {
					DeadlineWatchdog.Watch watch = this.watchdog.watch(Deadline.after(Duration.ofSeconds(10)), true);
					try {
						Thread.sleep(1);
					}
					catch (InterruptedException ex) {
						return; // fired: the test fails on the count below
					}
					finally {
						watch.close();
					}
					served.incrementAndGet();
				}
			});
			worker.start();
			workers.add(worker);
		}
		for (Thread worker : workers) {
			worker.join(10_000);
		}
		long looks = this.watchdog.looks() - looksBefore;
		assertThat(served.get()).isGreaterThan(100);
		// 2 s: about 20 looks at one per 100 ms; a look every 10 ms tick would be about
		// 200
		assertThat(looks).as("looks in 2 s of requests").isBetween(1L, 2_000L / DeadlineWatchdog.MAX_WAIT_MILLIS + 10);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.watchdog.heldWatches() == 0);
	}

	@Test
	void theThreadStartsWithTheFirstWatchSleepsWhenIdleWakesForTheNextAndEndsWithClose() throws Exception {
		assertThat(watchdogThreads()).isEmpty();
		this.watchdog.watch(Deadline.after(Duration.ofSeconds(10)), true).close();
		assertThat(watchdogThreads()).hasSize(1);
		Thread thread = watchdogThreads().get(0);
		await().atMost(Duration.ofSeconds(5)).until(() -> thread.getState() == Thread.State.WAITING);
		long start = System.nanoTime();
		DeadlineWatchdog.Watch watch = this.watchdog.watch(Deadline.after(Duration.ofMillis(100)), true);
		long interruptedAfter = -1;
		try {
			Thread.sleep(5_000);
		}
		catch (InterruptedException expected) {
			interruptedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		}
		assertThat(interruptedAfter).as("woken from its sleep to interrupt at the deadline").isBetween(100L, 600L);
		assertThat(watch.hasFired()).isTrue();
		watch.close();
		this.watchdog.close();
		thread.join(5_000);
		assertThat(thread.isAlive()).isFalse();
	}

	@Test
	void ofPooledThreadsEachWatchesInItsSlotAndExactlyThoseStillWatchedAtTheirDeadlineAreInterruptedSoonAfter()
			throws Exception {
		// looks at least every 30 s: a slot's deadline whose wake-up was lost, or a slot
		// the look skipped, would be seconds late or never fire
		try (DeadlineWatchdog patient = new DeadlineWatchdog(Duration.ofSeconds(30))) {
			DeadlineWatchdog.Watch far = patient.onDeadline(Deadline.after(Duration.ofSeconds(60)), () -> {
			});
			int threads = 16;
			int rounds = 20;
			AtomicInteger interrupted = new AtomicInteger();
			AtomicInteger wronglyInterrupted = new AtomicInteger();
			AtomicInteger stayed = new AtomicInteger();
			AtomicLong latestLateness = new AtomicLong();
			CountDownLatch served = new CountDownLatch(threads);
			CountDownLatch end = new CountDownLatch(1);
			List<Thread> pool = new ArrayList<>();
			for (int i = 0; i < threads; i++) {
				Thread thread = new Thread(() -> {
					for (int round = 0; round < rounds; round++) {
						boolean staysPastItsDeadline = ThreadLocalRandom.current().nextBoolean();
						long millis = ThreadLocalRandom.current().nextLong(0, 100);
						long expiresAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
						DeadlineWatchdog.Watch watch = patient.watch(Deadline.after(Duration.ofMillis(millis)), true);
						try {
							if (staysPastItsDeadline) {
								stayed.incrementAndGet();
								Thread.sleep(10_000);
							}
						}
						catch (InterruptedException ex) {
							interrupted.incrementAndGet();
							latestLateness.accumulateAndGet(
									TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - expiresAt), Math::max);
						}
						finally {
							watch.close();
						}
						if (!staysPastItsDeadline) {
							try {
								Thread.sleep(millis + 30); // past the deadline of the
															// closed watch
							}
							catch (InterruptedException ex) {
								wronglyInterrupted.incrementAndGet();
							}
						}
						if (Thread.interrupted()) {
							wronglyInterrupted.incrementAndGet();
						}
					}
					served.countDown();
					awaitQuietly(end);
				}, "pooled-" + i);
				thread.start();
				pool.add(thread);
			}
			assertThat(served.await(60, TimeUnit.SECONDS)).isTrue();
			assertThat(interrupted).hasValue(stayed.get());
			assertThat(wronglyInterrupted).hasValue(0);
			assertThat(latestLateness.get()).as("ms after the deadline").isLessThan(1_500);
			// every thread watched after closing its first watch: one slot each, which
			// holds its latest watch, and nothing else is held but the far watch
			assertThat(patient.slots()).isEqualTo(threads);
			assertThat(patient.openWatches()).isOne();
			end.countDown();
			for (Thread thread : pool) {
				thread.join(10_000);
			}
			far.close();
		}
	}

	@Test
	void theSlotsOfThreadsThatEndedAreLetGoAtTheNextLookOrBeforeTheWatchdogSleeps() throws Exception {
		// a watch kept open: the watchdog looks every 100 ms, and lets ended threads go
		DeadlineWatchdog.Watch open = this.watchdog.onDeadline(Deadline.after(Duration.ofSeconds(30)), () -> {
		});
		List<WeakReference<Thread>> ended = new ArrayList<>();
		endPooledThreadsOnceTheyHaveSlots(8, ended);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.watchdog.slots() == 0);
		open.close();
		// none open: the watchdog stops looking, and lets them go before it sleeps
		endPooledThreadsOnceTheyHaveSlots(8, ended);
		Thread thread = watchdogThreads().get(0);
		await().atMost(Duration.ofSeconds(5))
			.until(() -> thread.getState() == Thread.State.WAITING && this.watchdog.slots() == 0);
		assertThat(this.watchdog.heldWatches()).isZero();
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			System.gc();
			return ended.stream().allMatch((reference) -> reference.get() == null);
		});
	}

	private void endPooledThreadsOnceTheyHaveSlots(int count, List<WeakReference<Thread>> ended)
			throws InterruptedException {
		CountDownLatch watched = new CountDownLatch(count);
		CountDownLatch end = new CountDownLatch(1);
		List<Thread> threads = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			Thread thread = new Thread(() -> {
				for (int request = 0; request < 3; request++) {
					this.watchdog.watch(Deadline.after(Duration.ofSeconds(30)), true).close();
				}
				watched.countDown();
				awaitQuietly(end);
			});
			thread.start();
			threads.add(thread);
			ended.add(new WeakReference<>(thread));
		}
		assertThat(watched.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(this.watchdog.slots()).isEqualTo(count);
		end.countDown();
		for (Thread thread : threads) {
			thread.join(5_000);
		}
	}

	@Test
	void aThreadWatchingOnlyOnceAndInsideThatWatchGetsNoSlotAndEachOfItsWatchesFires() throws Exception {
		// like a virtual thread serving one request that makes downstream calls: its
		// watches go on the stack, and the thread is never registered
		int threads = 32;
		AtomicInteger innerInterrupts = new AtomicInteger();
		AtomicInteger outerInterrupts = new AtomicInteger();
		AtomicInteger wronglyInterrupted = new AtomicInteger();
		List<Thread> workers = new ArrayList<>();
		for (int i = 0; i < threads; i++) {
			Thread worker = new Thread(() -> {
				DeadlineWatchdog.Watch outer = this.watchdog.watch(Deadline.after(Duration.ofMillis(600)), true);
				try {
					for (int call = 0; call < 3; call++) {
						DeadlineWatchdog.Watch inner = this.watchdog.watch(Deadline.after(Duration.ofMillis(50)), true);
						try {
							if (call == 1) {
								Thread.sleep(5_000); // the one call that runs late
							}
						}
						catch (InterruptedException ex) {
							innerInterrupts.incrementAndGet();
						}
						finally {
							inner.close();
						}
						if (Thread.interrupted()) {
							wronglyInterrupted.incrementAndGet();
						}
					}
					Thread.sleep(5_000); // then the request itself
				}
				catch (InterruptedException ex) {
					outerInterrupts.incrementAndGet();
				}
				finally {
					outer.close();
				}
				if (Thread.interrupted()) {
					wronglyInterrupted.incrementAndGet();
				}
			}, "one-shot-" + i);
			worker.start();
			workers.add(worker);
		}
		for (Thread worker : workers) {
			worker.join(20_000);
		}
		assertThat(innerInterrupts).hasValue(threads);
		assertThat(outerInterrupts).hasValue(threads);
		assertThat(wronglyInterrupted).hasValue(0);
		assertThat(this.watchdog.slots()).isZero();
		assertThat(this.watchdog.openWatches()).isZero();
	}

	@Test
	void aPooledThreadsWatchWakesTheSleepingWatchdogForItsDeadline() throws Exception {
		AtomicLong interruptedAfter = new AtomicLong(-1);
		AtomicInteger slotsWhileWatched = new AtomicInteger(-1);
		CountDownLatch registered = new CountDownLatch(1);
		CountDownLatch asleep = new CountDownLatch(1);
		Thread pooled = new Thread(() -> {
			this.watchdog.watch(Deadline.after(Duration.ofSeconds(10)), true).close();
			this.watchdog.watch(Deadline.after(Duration.ofSeconds(10)), true).close(); // its
																						// slot
			registered.countDown();
			awaitQuietly(asleep);
			long start = System.nanoTime();
			DeadlineWatchdog.Watch watch = this.watchdog.watch(Deadline.after(Duration.ofMillis(100)), true);
			slotsWhileWatched.set(this.watchdog.slots());
			try {
				Thread.sleep(5_000);
			}
			catch (InterruptedException expected) {
				interruptedAfter.set(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
			}
			finally {
				watch.close();
			}
		}, "pooled");
		pooled.start();
		assertThat(registered.await(5, TimeUnit.SECONDS)).isTrue();
		Thread thread = watchdogThreads().get(0);
		await().atMost(Duration.ofSeconds(5)).until(() -> thread.getState() == Thread.State.WAITING);
		asleep.countDown();
		pooled.join(10_000);
		assertThat(slotsWhileWatched).hasValue(1);
		assertThat(interruptedAfter.get()).as("woken from its sleep to interrupt at the deadline")
			.isBetween(100L, 600L);
	}

	@Test
	void aThreadWatchingWithTwoWatchdogsIsInterruptedByEachAtItsDeadlines() throws Exception {
		try (DeadlineWatchdog other = new DeadlineWatchdog()) {
			AtomicInteger interrupted = new AtomicInteger();
			Thread thread = new Thread(() -> {
				for (int i = 0; i < 6; i++) {
					DeadlineWatchdog watching = (i % 2 == 0) ? this.watchdog : other;
					DeadlineWatchdog.Watch watch = watching.watch(Deadline.after(Duration.ofMillis(30)), true);
					try {
						Thread.sleep(5_000);
					}
					catch (InterruptedException expected) {
						interrupted.incrementAndGet();
					}
					finally {
						watch.close();
					}
				}
			});
			thread.start();
			thread.join(20_000);
			assertThat(interrupted).hasValue(6);
			// the thread's slot is the first watchdog's; the other took its watches on
			// the stack
			assertThat(this.watchdog.slots()).isOne();
			assertThat(other.slots()).isZero();
		}
	}

	@Test
	void aWatchKeptOpenOnTheStackHoldsNoneOfTheClosedWatchesOpenedBeforeIt() throws Exception {
		// actions' watches always go on the stack, whichever thread opens them
		assertAWatchKeptOpenHoldsNoneOfTheClosedOnesBeforeIt(
				() -> this.watchdog.onDeadline(Deadline.after(Duration.ofSeconds(30)), () -> {
				}));
	}

	@Test
	void closingLetsGoOfTheSlotsAndTheWatchesItHeld() throws Exception {
		// a pooled thread's holder keeps naming the watchdog after it closed
		DeadlineWatchdog.Watch far = this.watchdog.onDeadline(Deadline.after(Duration.ofSeconds(30)), () -> {
		});
		CountDownLatch watched = new CountDownLatch(1);
		CountDownLatch end = new CountDownLatch(1);
		Thread pooled = new Thread(() -> {
			this.watchdog.watch(Deadline.after(Duration.ofSeconds(30)), true).close();
			this.watchdog.watch(Deadline.after(Duration.ofSeconds(30)), true).close();
			watched.countDown();
			awaitQuietly(end);
		});
		pooled.start();
		assertThat(watched.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(this.watchdog.slots()).isOne();
		assertThat(this.watchdog.heldWatches()).isGreaterThanOrEqualTo(2);
		this.watchdog.close();
		assertThat(this.watchdog.slots()).isZero();
		assertThat(this.watchdog.heldWatches()).isZero();
		end.countDown();
		pooled.join(5_000);
		far.close();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static List<Thread> watchdogThreads() {
		return SluiceThreads.live()
			.stream()
			.filter((thread) -> thread.getName().startsWith("sluice-deadline-watchdog-"))
			.filter(Thread::isAlive)
			.toList();
	}

}
