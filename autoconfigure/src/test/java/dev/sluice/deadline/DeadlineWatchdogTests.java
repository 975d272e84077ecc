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
		List<WeakReference<DeadlineWatchdog.Watch>> closed = new ArrayList<>();
		for (int i = 0; i < 1_000; i++) {
			DeadlineWatchdog.Watch watch = this.watchdog.watch(Deadline.after(Duration.ofSeconds(30)), true);
			watch.close();
			closed.add(new WeakReference<>(watch));
		}
		// opened after them: while the watchdog has not looked, it links to them
		DeadlineWatchdog.Watch stillOpen = this.watchdog.watch(Deadline.after(Duration.ofSeconds(30)), true);
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

	private static List<Thread> watchdogThreads() {
		return SluiceThreads.live()
			.stream()
			.filter((thread) -> thread.getName().startsWith("sluice-deadline-watchdog-"))
			.filter(Thread::isAlive)
			.toList();
	}

}
